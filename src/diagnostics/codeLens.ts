/** The CodeLens at the top of a model file: "▶ Train · Dashboard · last run: accuracy 0.97, 2 min ago". */
import * as vscode from 'vscode';
import { parse as parseYaml } from 'yaml';
import type { RunManager } from '../host/runManager';
import type { SweepManager } from '../host/sweepManager';
import { runsDirFor } from '../host/settings';
import { formatAgo, formatNumber, headlineMetric, listRuns, modelNameOf } from '../views/runList';

export class ModelCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;
  private last = 0;

  private readonly sweepSub: { dispose(): void } | undefined;

  constructor(private readonly runs: RunManager, private readonly sweeps?: SweepManager) {
    this.sweepSub = sweeps?.onDidChange(() => this.changed.fire());
    // a run starting or ending changes the lens; progress does not need to (at most every 5 s)
    this.sub = runs.onDidChangeRun((r) => {
      if (r.status !== 'running' || Date.now() - this.last > 5000) {
        this.last = Date.now();
        this.changed.fire();
      }
    });
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const top = new vscode.Range(0, 0, 0, 0);
    const live = this.runs.findBySpec(doc.uri.fsPath);
    const lenses = [
      live
        ? new vscode.CodeLens(top, { title: '■ Stop', command: 'modelStudio.stopTraining', arguments: [{ runKey: live.runKey }] })
        : new vscode.CodeLens(top, { title: '▶ Train', command: 'modelStudio.train', arguments: [doc.uri] }),
    ];
    let parsed: unknown;
    try {
      parsed = parseYaml(doc.getText());
    } catch {
      return lenses;
    }
    // "▶ Sweep" on a file with a sweep: section ("■ Stop Sweep" while it runs here)
    if (typeof parsed === 'object' && parsed !== null && 'sweep' in parsed) {
      const sweep = this.sweeps?.findBySpec(doc.uri.fsPath);
      lenses.push(sweep?.status === 'running' && sweep.sweepDir
        ? new vscode.CodeLens(top, { title: '■ Stop Sweep', command: 'modelStudio.stopSweep', arguments: [{ kind: 'sweep', dir: sweep.sweepDir }] })
        : new vscode.CodeLens(top, { title: '▶ Sweep', command: 'modelStudio.runSweep', arguments: [doc.uri] }));
    }
    const runs = await listRuns(runsDirFor(doc.uri.fsPath), modelNameOf(parsed, doc.uri.fsPath), (d) => this.runs.findByRunDir(d) !== undefined);
    const latest = runs[0];
    if (live) lenses.push(new vscode.CodeLens(top, { title: 'Dashboard', command: 'modelStudio.openDashboard', arguments: [{ runKey: live.runKey }] }));
    else if (latest) lenses.push(new vscode.CodeLens(top, { title: 'Dashboard', command: 'modelStudio.openDashboard', arguments: [doc.uri] }));
    if (latest) {
      const h = headlineMetric(latest);
      const what = latest.status === 'completed' && h ? `${h.name} ${formatNumber(h.value)}` : latest.status;
      lenses.push(new vscode.CodeLens(top, { title: `last run: ${what}, ${formatAgo(latest.startedAt, Date.now())}`, command: 'modelStudio.openDashboard', arguments: [doc.uri] }));
    }
    return lenses;
  }

  dispose(): void {
    this.sub.dispose();
    this.sweepSub?.dispose();
    this.changed.dispose();
  }
}
