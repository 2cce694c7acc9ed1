import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { Cancelled, pickRun } from './pick';

/** Model Studio: Save Model… — copies a run's model (TF.js files + preprocessing.json) to a folder. */
export async function saveModel(ctx: HostContext, arg?: unknown): Promise<string[]> {
  requireTrust('save models');
  const node = await pickRun(ctx, arg, 'Save Model', (e) => e.status === 'completed' || e.status === 'stopped');
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Save Model Here', title: `Save ${node.model.name} into a folder` });
  if (!picked?.[0]) throw new Cancelled();
  const files = await ctx.runs.save(node.entry.runDir, picked[0].fsPath);
  void vscode.window.showInformationMessage(`Model Studio: saved ${files.length} files to ${picked[0].fsPath}`);
  return files;
}
