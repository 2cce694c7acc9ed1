import type { HostContext } from '../host/hostContext';
import { DashboardPanel } from '../panels/dashboard';
import * as path from 'node:path';
import { allRuns, asRunKey, asRunNode, asUri, pickRun } from './pick';
import { walkthroughDone } from '../host/walkthrough';

/** The one place that opens the dashboard (the panel belongs to src/panels/). */
export function openDashboard(ctx: HostContext, target: { runDir?: string; runKey?: string }): void {
  DashboardPanel.createOrShow(ctx, target);
  walkthroughDone('dashboardOpened');
}

/** Model Studio: Open Dashboard — of the run given, else the one picked (newest first). */
export async function openDashboardCommand(ctx: HostContext, arg?: unknown): Promise<void> {
  const runKey = asRunKey(arg);
  if (runKey) return openDashboard(ctx, { runKey, runDir: ctx.runs.get(runKey)?.runDir });
  const uri = asUri(arg);
  if (uri) {
    // from a model file (CodeLens, editor title): its newest run
    const newest = (await allRuns(ctx)).find((r) => path.resolve(r.model.specPath) === path.resolve(uri.fsPath));
    if (newest) return openDashboard(ctx, { runDir: newest.entry.runDir, runKey: newest.runKey });
  }
  const node = asRunNode(arg) ?? (await pickRun(ctx, arg, 'Open Dashboard'));
  openDashboard(ctx, { runDir: node.entry.runDir, runKey: node.runKey });
}
