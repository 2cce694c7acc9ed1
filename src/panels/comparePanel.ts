/**
 * The compare view of two or more runs (one panel per set of runs). It reads their folders when it opens
 * and again as they change: a live run's epochs, a finished run's report, a note edited.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareData } from '../experiments/views';
import type { HostContext } from '../host/hostContext';
import { COMPARE_VIEW_TYPE, type FromExperiments, type ToExperiments } from '../protocol/experiments';
import { editRunNote } from '../commands/editRunNote';
import { DashboardPanel } from './dashboard';
import { ExperimentsPanel, inWorkspace, savedTarget } from './experimentsPanel';
import { resourceRoots } from './html';

const key = (runDirs: readonly string[]) => runDirs.map((d) => path.resolve(d)).sort().join('\n');

export class ComparePanel extends ExperimentsPanel {
  private static readonly open = new Set<ComparePanel>();

  static createOrShow(ctx: HostContext, runDirs: readonly string[]): ComparePanel {
    const existing = [...ComparePanel.open].find((p) => key(p.runDirs) === key(runDirs));
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, `Compare ${runDirs.length} runs`, vscode.ViewColumn.Active, {
      enableScripts: true, localResourceRoots: resourceRoots(ctx.extensionUri),
    });
    return new ComparePanel(ctx, panel, runDirs.map((d) => path.resolve(d)));
  }

  private constructor(ctx: HostContext, panel: vscode.WebviewPanel, private readonly runDirs: string[]) {
    super(ctx, panel, 'compare');
    ComparePanel.open.add(this);
    panel.title = `Compare ${runDirs.length} runs`;
    const mine = (dir: string | undefined) => dir !== undefined && this.runDirs.includes(path.resolve(dir));
    this.disposables.push(
      // a compared run that is still training: its epochs as they come
      ctx.runs.onMessage(({ message }) => {
        if (message.type === 'epochEnded' || message.type === 'done') {
          const runKey = 'id' in message ? message.id : undefined;
          const dir = runKey ? ctx.runs.get(runKey)?.runDir : undefined;
          if (mine(dir)) this.refresh(1000);
        }
      }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher('**/{run,notes,report}.json');
    const onFile = (uri: vscode.Uri) => {
      if (mine(path.dirname(uri.fsPath))) this.refresh(500);
    };
    this.disposables.push(watcher, watcher.onDidChange(onFile), watcher.onDidCreate(onFile));
  }

  protected async load(): Promise<ToExperiments> {
    return { type: 'compare', data: await compareData(this.runDirs) };
  }

  protected async handle(m: Exclude<FromExperiments, { type: 'ready' }>): Promise<void> {
    // the page may only name the runs it shows
    if ((m.type === 'openRun' || m.type === 'editNote') && !this.runDirs.includes(path.resolve(m.runDir))) throw new Error(`${m.runDir} is not one of the compared runs`);
    if (m.type === 'openRun') DashboardPanel.createOrShow(this.ctx, { runDir: m.runDir });
    else if (m.type === 'editNote') {
      if (await editRunNote(m.runDir)) this.refresh(0);
    } else if (m.type === 'action' && m.action === 'refresh') this.refresh(0);
  }

  protected onDispose(): void {
    ComparePanel.open.delete(this);
  }

  static revive(ctx: HostContext, panel: vscode.WebviewPanel, state: unknown): void {
    const runDirs = savedTarget(state).filter(inWorkspace);
    if (runDirs.length < 2) {
      panel.dispose();
      return;
    }
    new ComparePanel(ctx, panel, runDirs.map((d) => path.resolve(d)));
  }
}
