import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { asModelNode, asRunKey, asRunNode, asUri, Cancelled } from './pick';
import { runLabel } from '../views/runList';

/** Model Studio: Stop Training — graceful (finish the batch, save), killed after a timeout. */
export async function stopTraining(ctx: HostContext, arg?: unknown): Promise<void> {
  let runKey = asRunKey(arg) ?? asRunNode(arg)?.runKey;
  const spec = asModelNode(arg)?.specPath ?? asUri(arg)?.fsPath;
  if (!runKey && spec) runKey = ctx.runs.findBySpec(spec)?.runKey;
  if (!runKey) {
    const active = ctx.runs.active();
    if (active.length === 0) {
      void vscode.window.showInformationMessage('Model Studio: no model is training.');
      throw new Cancelled();
    }
    if (active.length === 1) runKey = active[0].runKey;
    else {
      const picked = await vscode.window.showQuickPick(
        active.map((r) => ({ label: r.modelName ?? path.basename(r.specPath), description: r.runDir ? runLabel(path.basename(r.runDir)) : 'starting', runKey: r.runKey })),
        { title: 'Model Studio: Stop Training', placeHolder: 'Which run?' },
      );
      if (!picked) throw new Cancelled();
      runKey = picked.runKey;
    }
  }
  // the run's status bar item says "stopping after this batch…" until the run has stopped
  ctx.runs.stop(runKey);
}
