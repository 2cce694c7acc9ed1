/** Reopens the compare, runs and sweep views after a window reload, from what each page saved. */
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { COMPARE_VIEW_TYPE, RUNS_VIEW_TYPE, SWEEP_VIEW_TYPE } from '../protocol/experiments';
import { ComparePanel } from './comparePanel';
import { RunsPanel } from './runsPanel';
import { SweepPanel } from './sweepPanel';

export function registerExperimentSerializers(ctx: HostContext): vscode.Disposable[] {
  const revive = (viewType: string, make: (panel: vscode.WebviewPanel, state: unknown) => void) => vscode.window.registerWebviewPanelSerializer(viewType, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      make(panel, state);
    },
  });
  return [
    revive(COMPARE_VIEW_TYPE, (p, s) => ComparePanel.revive(ctx, p, s)),
    revive(RUNS_VIEW_TYPE, (p, s) => RunsPanel.revive(ctx, p, s)),
    revive(SWEEP_VIEW_TYPE, (p, s) => SweepPanel.revive(ctx, p, s)),
  ];
}
