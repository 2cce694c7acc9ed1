import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { pickModelFile } from './pick';
import { openDashboard } from './openDashboard';

/** Model Studio: Train Model — validates, then starts an engine process and opens the dashboard. */
export async function train(ctx: HostContext, arg?: unknown): Promise<string | undefined> {
  requireTrust('train models');
  const specPath = await pickModelFile(ctx, arg, 'Train Model');
  // unsaved edits would be silently ignored by the engine, which reads the file from disk
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specPath);
  if (open?.isDirty) await open.save();
  const runKey = await ctx.runs.train(specPath);
  ctx.tree.refresh();
  openDashboard(ctx, { runKey });
  return runKey;
}
