/** The runs table of one model (one panel per model's runs folder), kept current as runs change. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { editRunNote } from '../commands/editRunNote';
import { runsData } from '../experiments/views';
import type { HostContext } from '../host/hostContext';
import { RUNS_VIEW_TYPE, type FromExperiments, type ToExperiments } from '../protocol/experiments';
import { ComparePanel } from './comparePanel';
import { DashboardPanel } from './dashboard';
import { ExperimentsPanel, inWorkspace, savedTarget } from './experimentsPanel';
import { resourceRoots } from './html';

export class RunsPanel extends ExperimentsPanel {
  private static readonly open = new Set<RunsPanel>();
  /** the run folders the page was last given: the only ones it may name */
  private shown = new Set<string>();

  /** `modelRunsDir` is runs/<model name>/. */
  static createOrShow(ctx: HostContext, modelRunsDir: string): RunsPanel {
    const dir = path.resolve(modelRunsDir);
    const existing = [...RunsPanel.open].find((p) => p.dir === dir);
    if (existing) {
      existing.panel.reveal(undefined, false);
      existing.refresh(0);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(RUNS_VIEW_TYPE, `Runs: ${path.basename(dir)}`, vscode.ViewColumn.Active, {
      enableScripts: true, localResourceRoots: resourceRoots(ctx.extensionUri),
    });
    return new RunsPanel(ctx, panel, dir);
  }

  private constructor(ctx: HostContext, panel: vscode.WebviewPanel, private readonly dir: string) {
    super(ctx, panel, 'runs');
    RunsPanel.open.add(this);
    panel.title = `Runs: ${path.basename(dir)}`;
    const watcher = vscode.workspace.createFileSystemWatcher('**/{run,notes}.json');
    const onFile = (uri: vscode.Uri) => {
      if (path.resolve(uri.fsPath).startsWith(this.dir + path.sep)) this.refresh(800);
    };
    this.disposables.push(watcher, watcher.onDidChange(onFile), watcher.onDidCreate(onFile), watcher.onDidDelete(onFile));
  }

  protected async load(): Promise<ToExperiments> {
    const data = await runsData(this.dir);
    this.shown = new Set(data.rows.map((r) => path.resolve(r.runDir)));
    return { type: 'runs', data };
  }

  protected async handle(m: Exclude<FromExperiments, { type: 'ready' }>): Promise<void> {
    const own = (d: string) => {
      if (!this.shown.has(path.resolve(d))) throw new Error(`${d} is not a run of ${path.basename(this.dir)}`);
      return path.resolve(d);
    };
    switch (m.type) {
      case 'openRun':
        DashboardPanel.createOrShow(this.ctx, { runDir: own(m.runDir) });
        return;
      case 'compare':
        ComparePanel.createOrShow(this.ctx, m.runDirs.map(own));
        return;
      case 'editNote':
        if (await editRunNote(own(m.runDir))) this.refresh(0);
        return;
      case 'action':
        if (m.action === 'refresh') this.refresh(0);
        return;
    }
  }

  protected onDispose(): void {
    RunsPanel.open.delete(this);
  }

  static revive(ctx: HostContext, panel: vscode.WebviewPanel, state: unknown): void {
    const dir = savedTarget(state).find(inWorkspace);
    if (!dir) {
      panel.dispose();
      return;
    }
    new RunsPanel(ctx, panel, path.resolve(dir));
  }
}
