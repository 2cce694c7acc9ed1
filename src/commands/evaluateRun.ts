import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { formatSummary } from '../host/runManager';
import { pickRun } from './pick';
import { openDashboard } from './openDashboard';

/** Model Studio: Evaluate Run — evaluates a finished run's model again and rewrites its report. */
export async function evaluateRun(ctx: HostContext, arg?: unknown): Promise<Record<string, number>> {
  requireTrust('evaluate models');
  const node = await pickRun(ctx, arg, 'Evaluate Run', (e) => e.status !== 'running' && e.status !== 'failed');
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Model Studio: evaluating ${node.model.name}…` },
    () => ctx.runs.evaluate(node.entry.runDir),
  );
  const pick = await vscode.window.showInformationMessage(`Model Studio: ${node.model.name}: ${formatSummary(summary) || 'report written'}`, 'Open Dashboard');
  if (pick) openDashboard(ctx, { runDir: node.entry.runDir });
  return summary;
}
