/**
 * The sweep dashboard (one panel per sweep folder): live while the sweep runs in this window (its
 * trials' epochs as they come), else what its sweep.json says (followed every few seconds while another
 * process, such as `model-studio sweep` in a terminal, runs it). Actions: Stop Sweep, Resume Sweep,
 * Open Best Run, and Write Best Values Into the Model File (one workspace edit, so Undo takes it back).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { bestValueEdits } from '../experiments/writeBest';
import { sweepViewData } from '../experiments/views';
import type { HostContext } from '../host/hostContext';
import { SWEEP_VIEW_TYPE, type ExperimentsAction, type FromExperiments, type ToExperiments } from '../protocol/experiments';
import { readSweepRecord } from '../sweep/record';
import { DashboardPanel } from './dashboard';
import { ExperimentsPanel, inWorkspace, savedTarget } from './experimentsPanel';
import { resourceRoots } from './html';

export class SweepPanel extends ExperimentsPanel {
  private static readonly open = new Set<SweepPanel>();
  private follow: NodeJS.Timeout | undefined;
  private shown = new Set<string>();

  static createOrShow(ctx: HostContext, sweepDir: string): SweepPanel {
    const dir = path.resolve(sweepDir);
    const existing = [...SweepPanel.open].find((p) => p.dir === dir);
    if (existing) {
      existing.panel.reveal(undefined, false);
      existing.refresh(0);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(SWEEP_VIEW_TYPE, `Sweep: ${path.basename(path.dirname(path.dirname(dir)))}`, vscode.ViewColumn.Active, {
      enableScripts: true, localResourceRoots: resourceRoots(ctx.extensionUri),
    });
    return new SweepPanel(ctx, panel, dir);
  }

  private constructor(ctx: HostContext, panel: vscode.WebviewPanel, private readonly dir: string) {
    super(ctx, panel, 'sweep');
    SweepPanel.open.add(this);
    panel.title = `Sweep: ${path.basename(path.dirname(path.dirname(dir)))}`;
    this.disposables.push(
      ctx.sweeps.onEvent(({ sweep, event }) => {
        if (!sweep.sweepDir || path.resolve(sweep.sweepDir) !== this.dir) return;
        this.refresh(event.event === 'trialEpoch' ? 500 : 100);
      }),
      ctx.sweeps.onDidChange((s) => {
        if (s.sweepDir && path.resolve(s.sweepDir) === this.dir) {
          this.post({ type: 'busy', action: 'resumeSweep', busy: false });
          this.post({ type: 'busy', action: 'stopSweep', busy: false });
          this.refresh(100);
        }
      }),
    );
  }

  private get live(): boolean {
    return this.ctx.sweeps.find(this.dir)?.status === 'running';
  }

  protected async load(): Promise<ToExperiments> {
    const data = await sweepViewData(this.dir, this.live);
    this.shown = new Set(data.trials.map((t) => path.resolve(t.runDir)));
    // a sweep another process runs: follow its files
    const elsewhere = !this.live && data.status === 'running';
    if (elsewhere && !this.follow) this.follow = setInterval(() => this.refresh(0), 2000);
    if (!elsewhere && this.follow) {
      clearInterval(this.follow);
      this.follow = undefined;
    }
    return { type: 'sweep', data };
  }

  protected async handle(m: Exclude<FromExperiments, { type: 'ready' }>): Promise<void> {
    if (m.type === 'openRun') {
      if (!this.shown.has(path.resolve(m.runDir))) throw new Error(`${m.runDir} is not a trial of this sweep`);
      DashboardPanel.createOrShow(this.ctx, { runDir: m.runDir });
      return;
    }
    if (m.type !== 'action') return;
    try {
      await this.act(m.action);
    } finally {
      this.post({ type: 'busy', action: m.action, busy: false });
    }
  }

  private async act(action: ExperimentsAction): Promise<void> {
    const { sweeps } = this.ctx;
    switch (action) {
      case 'refresh':
        this.refresh(0);
        return;
      case 'stopSweep': {
        if (sweeps.stop(this.dir)) return;
        const rec = await readSweepRecord(this.dir);
        throw new Error(rec.status === 'running'
          ? `this sweep is run by another process (${rec.pid} on ${rec.host}), such as model-studio sweep in a terminal: stop it there (Ctrl-C)`
          : `this sweep is ${rec.status}, not running`);
      }
      case 'resumeSweep': {
        const rec = await readSweepRecord(this.dir);
        await sweeps.start(rec.specPath, { resume: this.dir });
        this.refresh(0);
        return;
      }
      case 'openBest': {
        const rec = await readSweepRecord(this.dir);
        const best = rec.best ? rec.trials.find((t) => t.index === rec.best?.trial) : undefined;
        if (!best) throw new Error('no trial has finished with a value of the metric yet');
        DashboardPanel.createOrShow(this.ctx, { runDir: path.join(this.dir, best.run) });
        return;
      }
      case 'writeBest':
        await writeBestValues(this.dir);
        return;
    }
  }

  protected onDispose(): void {
    if (this.follow) clearInterval(this.follow);
    SweepPanel.open.delete(this);
  }

  static revive(ctx: HostContext, panel: vscode.WebviewPanel, state: unknown): void {
    const dir = savedTarget(state).find(inWorkspace);
    if (!dir) {
      panel.dispose();
      return;
    }
    new SweepPanel(ctx, panel, path.resolve(dir));
  }
}

/** Puts the best trial's values into the sweep's model file as one edit (Undo takes it back) and shows it. */
export async function writeBestValues(sweepDir: string): Promise<void> {
  const rec = await readSweepRecord(sweepDir);
  const best = rec.best ? rec.trials.find((t) => t.index === rec.best?.trial) : undefined;
  if (!best) throw new Error('no trial has finished with a value of the metric yet');
  const uri = vscode.Uri.file(rec.specPath);
  if (!vscode.workspace.getWorkspaceFolder(uri)) throw new Error(`${rec.specPath} is not in this workspace`);
  const doc = await vscode.workspace.openTextDocument(uri);
  const values = rec.parameters.map((p) => ({ segments: p.segments, value: best.params[p.path] }));
  const edits = bestValueEdits(doc.getText(), rec.specPath, values);
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) edit.replace(uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`could not edit ${rec.specPath}`);
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  if (edits.length > 0 && edits[0].end - edits[0].start < doc.getText().length) {
    const first = doc.positionAt(edits[0].start);
    editor.revealRange(new vscode.Range(first, first), vscode.TextEditorRevealType.InCenter);
  }
  const what = rec.parameters.map((p) => `${p.path} = ${JSON.stringify(best.params[p.path])}`).join(', ');
  void vscode.window.showInformationMessage(`Model Studio: wrote trial ${best.index}'s values into ${path.basename(rec.specPath)} (${what}). Undo (Ctrl+Z) takes them back; save to keep them.`);
}
