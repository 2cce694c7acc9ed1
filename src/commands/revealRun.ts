import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { pickRun } from './pick';

/** Reveal in Explorer (a run's folder). */
export async function revealRun(ctx: HostContext, arg?: unknown): Promise<void> {
  const node = await pickRun(ctx, arg, 'Reveal Run');
  await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(node.entry.runDir));
}
