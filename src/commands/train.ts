import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { defaultTarget } from '../host/settings';
import { pickModelFile } from './pick';
import { openDashboard } from './openDashboard';

/** Model Studio: Train Model — validates, then trains where modelStudio.defaultTarget says (this machine unless set) and opens the dashboard. */
export async function train(ctx: HostContext, arg?: unknown): Promise<string | undefined> {
  requireTrust('train models');
  const specPath = await pickModelFile(ctx, arg, 'Train Model');
  return startTraining(ctx, specPath, defaultTarget(specPath));
}

/** Save the model file if it has unsaved edits, start the run (here or on a SLURM target), show it. */
export async function startTraining(ctx: HostContext, specPath: string, target: string): Promise<string> {
  // unsaved edits would be silently ignored by the engine, which reads the file from disk
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specPath);
  if (open?.isDirty) await open.save();
  const runKey = await ctx.runs.train(specPath, target === 'local' ? {} : { target });
  ctx.tree.refresh();
  openDashboard(ctx, { runKey });
  return runKey;
}
