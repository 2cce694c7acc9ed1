/**
 * The status bar item of the active run: model, epoch/total, loss, ETA. Clicking opens its
 * dashboard. With several runs it shows the newest and says how many more.
 */
import * as vscode from 'vscode';
import type { RunManager } from './runManager';
import { formatDuration, formatNumber } from '../views/runList';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('modelStudio.run', vscode.StatusBarAlignment.Left, 50);
  private readonly sub: vscode.Disposable;
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly runs: RunManager) {
    this.item.name = 'Model Studio: active run';
    this.sub = runs.onDidChangeRun(() => this.schedule());
    this.update();
  }

  /** at most 4 updates a second, however fast progress arrives */
  private schedule(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.update();
    }, 250);
  }

  private update(): void {
    const active = this.runs.active().filter((r) => r.status === 'running');
    const run = active.at(-1);
    if (!run) {
      this.item.hide();
      return;
    }
    const p = run.progress;
    const parts = [run.modelName ?? 'starting…'];
    if (p) {
      parts.push(`${p.epoch}/${p.epochs}`);
      const loss = p.logs.loss;
      if (typeof loss === 'number') parts.push(`loss ${formatNumber(loss)}`);
      if (p.etaMs !== null) parts.push(`ETA ${formatDuration(p.etaMs)}`);
    }
    const more = active.length > 1 ? ` (+${active.length - 1})` : '';
    this.item.text = `$(sync~spin) ${parts.join(' · ')}${more}`;
    this.item.tooltip = `${run.stopRequested ? 'Stopping' : 'Training'} ${run.specPath}\nClick to open the dashboard`;
    this.item.command = { title: 'Open Dashboard', command: 'modelStudio.openDashboard', arguments: [{ runKey: run.runKey }] };
    this.item.show();
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.sub.dispose();
    this.item.dispose();
  }
}
