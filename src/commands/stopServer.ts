import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { asRunNode, Cancelled } from './pick';

/** Model Studio: Stop Model Server — of the run given, else the one picked among running servers. */
export async function stopServer(ctx: HostContext, arg?: unknown): Promise<void> {
  let runDir = asRunNode(arg)?.entry.runDir;
  if (!runDir) {
    const list = ctx.servers.list();
    if (list.length === 0) {
      void vscode.window.showInformationMessage('Model Studio: no model server is running.');
      throw new Cancelled();
    }
    const picked = list.length === 1 ? list[0] : (await vscode.window.showQuickPick(list.map((s) => ({ label: s.name, description: s.url, s })), { title: 'Model Studio: Stop Model Server' }))?.s;
    if (!picked) throw new Cancelled();
    runDir = picked.runDir;
  }
  await ctx.servers.stop(runDir);
}
