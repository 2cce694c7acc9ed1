import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { Cancelled, pickRun } from './pick';
import { runLabel } from '../views/runList';

/** Delete Run — after a modal confirmation; never a run that is training or being served. */
export async function deleteRun(ctx: HostContext, arg?: unknown): Promise<void> {
  requireTrust('delete runs');
  const node = await pickRun(ctx, arg, 'Delete Run', (e) => e.status !== 'running');
  if (node.runKey && ctx.runs.live(node.runKey)?.proc.hasExited === false) throw new Error('this run is still training; stop it first');
  if (ctx.servers.running(node.entry.runDir)) throw new Error('this run is being served; stop its server first');
  const ok = await vscode.window.showWarningMessage(`Delete run ${runLabel(node.entry.runId)} of ${node.model.name}? Its folder, model and report are deleted.`, { modal: true }, 'Delete');
  if (ok !== 'Delete') throw new Cancelled();
  await vscode.workspace.fs.delete(vscode.Uri.file(node.entry.runDir), { recursive: true, useTrash: false });
  ctx.tree.refresh();
}
