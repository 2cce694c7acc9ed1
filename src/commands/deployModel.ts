import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { pickRun } from './pick';

/** Model Studio: Deploy Model — serves a run's model on the local REST server (TF Serving API). */
export async function deployModel(ctx: HostContext, arg?: unknown): Promise<{ url: string; name: string }> {
  requireTrust('serve models');
  const node = await pickRun(ctx, arg, 'Deploy Model', (e) => e.status === 'completed' || e.status === 'stopped');
  const server = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Model Studio: starting a server for ${node.model.name}…` },
    () => ctx.servers.deploy(node.entry.runDir),
  );
  const endpoint = `${server.url}/v1/models/${server.name}:predict`;
  void vscode.window.showInformationMessage(`Model Studio: ${server.name} is served at ${endpoint}`, 'Copy URL', 'Stop Server').then((pick) => {
    if (pick === 'Copy URL') void vscode.env.clipboard.writeText(endpoint);
    if (pick === 'Stop Server') void ctx.servers.stop(node.entry.runDir);
  });
  return server;
}
