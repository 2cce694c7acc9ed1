import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { defaultTarget, workspaceRootOf } from '../host/settings';
import { pickModelFile, Cancelled } from './pick';
import { startTraining } from './train';

/** The targets of the model file's workspace: `local`, then the names in .model-studio/targets.yaml (its problems are thrown). */
export async function targetNames(specPath: string): Promise<{ names: string[]; file?: string }> {
  const { findTargetsFile, loadTargetsFile } = await import('../cluster/targets');
  const file = await findTargetsFile(workspaceRootOf(specPath));
  if (!file) return { names: ['local'] };
  return { names: ['local', ...Object.keys(await loadTargetsFile(file))], file };
}

/** Model Studio: Train on… — pick where the run trains (this machine or a SLURM target), then train there. */
export async function trainOn(ctx: HostContext, arg?: unknown, target?: unknown): Promise<string | undefined> {
  requireTrust('train models');
  const specPath = await pickModelFile(ctx, arg, 'Train on…');
  let name = typeof target === 'string' && target ? target : undefined;
  if (!name) {
    const { names, file } = await targetNames(specPath);
    const preferred = defaultTarget(specPath);
    const items = names.map((n) => ({
      label: n,
      description: n === 'local' ? 'this machine' : `SLURM · ${vscode.workspace.asRelativePath(file ?? '')}`,
      detail: n === preferred ? 'modelStudio.defaultTarget' : undefined,
    })).sort((a, b) => (a.label === preferred ? -1 : b.label === preferred ? 1 : 0));
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Model Studio: Train on…',
      placeHolder: file ? 'Where should it train?' : 'Where should it train? (add SLURM targets in .model-studio/targets.yaml)',
    });
    if (!picked) throw new Cancelled();
    name = picked.label;
  }
  return startTraining(ctx, specPath, name);
}
