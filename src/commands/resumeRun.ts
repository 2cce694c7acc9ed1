import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { pickRun } from './pick';
import { openDashboard } from './openDashboard';

/**
 * Model Studio: Resume Run — continue a stopped or failed run in its own folder from its resumable
 * checkpoint (weights, optimizer state, epoch, schedules, RNG), as `model-studio train --resume` does.
 */
export async function resumeRun(ctx: HostContext, arg?: unknown): Promise<string> {
  requireTrust('resume runs');
  const node = await pickRun(ctx, arg, 'Resume Run', (e) => e.status === 'stopped' || e.status === 'failed');
  const { entry } = node;
  if (entry.status !== 'stopped' && entry.status !== 'failed') throw new Error(`this run is ${entry.status}: only a stopped or failed run can be resumed`);
  const specPath = entry.specPath ?? node.model.specPath;
  const runKey = await ctx.runs.train(specPath, { resumeDir: entry.runDir });
  ctx.tree.refresh();
  openDashboard(ctx, { runKey });
  void vscode.window.setStatusBarMessage(`Model Studio: resuming ${node.model.name}`, 4000);
  return runKey;
}
