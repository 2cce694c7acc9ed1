/**
 * The status bar item of the runs (what it says: runStatus.ts): the newest running run, else the one
 * that just ended, in every outcome. Clicking opens that run's dashboard.
 */
import * as vscode from 'vscode';
import type { RunManager } from './runManager';
import { statusView } from './runStatus';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('modelStudio.run', vscode.StatusBarAlignment.Left, 50);
  private readonly sub: vscode.Disposable;
  private pending: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;

  constructor(private readonly runs: RunManager) {
    this.item.name = 'Model Studio: training';
    this.sub = runs.onDidChangeRun((r) => (r.status === 'running' ? this.schedule() : this.update()));
    this.update();
  }

  /** Progress: at most 4 updates a second, however fast it arrives. A run's end is shown at once. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.update();
    }, 250);
  }

  private update(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = undefined;
    const now = Date.now();
    const view = statusView(this.runs.all(), now);
    if (!view) {
      this.item.hide();
      return;
    }
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.command = { title: 'Open Dashboard', command: 'modelStudio.openDashboard', arguments: [{ runKey: view.runKey }] };
    this.item.show();
    if (view.until !== undefined) this.expiry = setTimeout(() => this.update(), Math.max(0, view.until - now));
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    if (this.expiry) clearTimeout(this.expiry);
    this.sub.dispose();
    this.item.dispose();
  }
}
