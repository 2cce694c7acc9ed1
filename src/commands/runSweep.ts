/**
 * Model Studio: Run Sweep — the `sweep:` section of a model file (palette, the "▶ Sweep" CodeLens, the
 * model's context menu); Resume Sweep continues a stopped one; Stop Sweep; Open Sweep shows its dashboard.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { runsDirFor } from '../host/settings';
import { requireTrust } from '../host/trust';
import { SweepPanel } from '../panels/sweepPanel';
import { listSweeps } from '../sweep/record';
import { runLabel } from '../views/runList';
import type { SweepNode } from '../views/modelsTree';
import { Cancelled, pickModelFile } from './pick';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const asSweepNode = (v: unknown): SweepNode | undefined => (isObj(v) && v.kind === 'sweep' ? (v as unknown as SweepNode) : undefined);

export async function runSweep(ctx: HostContext, arg?: unknown): Promise<void> {
  requireTrust('run sweeps');
  const specPath = await pickModelFile(ctx, arg, 'Run Sweep');
  // unsaved edits would not be what the trials train
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specPath);
  if (open?.isDirty) await open.save();
  const sweep = await ctx.sweeps.start(specPath);
  if (sweep.sweepDir) SweepPanel.createOrShow(ctx, sweep.sweepDir);
  ctx.tree.refresh();
}

/** The stopped sweeps of the model files, newest first. */
async function stoppedSweeps(ctx: HostContext): Promise<Array<{ dir: string; label: string; description: string; specPath: string }>> {
  const out: Array<{ dir: string; label: string; description: string; specPath: string }> = [];
  for (const m of await ctx.tree.getModels()) {
    for (const s of await listSweeps(path.join(runsDirFor(m.specPath), m.name))) {
      if (s.record.status === 'completed' || ctx.sweeps.find(s.dir)) continue;
      const done = s.record.trials.filter((t) => t.status === 'completed' || t.status === 'stoppedEarly' || t.status === 'failed').length;
      out.push({ dir: s.dir, label: `${m.name} · sweep ${runLabel(s.record.sweepId)}`, description: `${s.record.status} · ${done}/${s.record.trialCount} trials`, specPath: s.record.specPath });
    }
  }
  return out;
}

export async function resumeSweep(ctx: HostContext, arg?: unknown): Promise<void> {
  requireTrust('resume sweeps');
  const node = asSweepNode(arg);
  let dir = node?.dir;
  let specPath = node?.record.specPath;
  if (!dir) {
    const candidates = await stoppedSweeps(ctx);
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage('Model Studio: there is no stopped sweep to resume.');
      throw new Cancelled();
    }
    const picked = candidates.length === 1 ? candidates[0] : await vscode.window.showQuickPick(candidates, { title: 'Model Studio: Resume Sweep', placeHolder: 'Which sweep?' });
    if (!picked) throw new Cancelled();
    dir = picked.dir;
    specPath = picked.specPath;
  }
  if (!specPath) throw new Error(`${dir}: the sweep does not name its model file`);
  await ctx.sweeps.start(specPath, { resume: dir });
  SweepPanel.createOrShow(ctx, dir);
  ctx.tree.refresh();
}

export function stopSweep(ctx: HostContext, arg?: unknown): void {
  const node = asSweepNode(arg);
  const live = node ? ctx.sweeps.find(node.dir) : ctx.sweeps.all().find((s) => s.status === 'running');
  if (!live?.sweepDir || !ctx.sweeps.stop(live.sweepDir)) {
    void vscode.window.showInformationMessage('Model Studio: no sweep is running in this window.');
    return;
  }
  ctx.tree.refresh();
}

export async function openSweep(ctx: HostContext, arg?: unknown): Promise<void> {
  const node = asSweepNode(arg);
  if (node) {
    SweepPanel.createOrShow(ctx, node.dir);
    return;
  }
  const all: Array<{ label: string; description: string; dir: string }> = [];
  for (const m of await ctx.tree.getModels()) {
    for (const s of await listSweeps(path.join(runsDirFor(m.specPath), m.name))) all.push({ label: `${m.name} · sweep ${runLabel(s.record.sweepId)}`, description: `${s.record.status} · ${s.record.method}`, dir: s.dir });
  }
  if (all.length === 0) {
    void vscode.window.showInformationMessage('Model Studio: no sweep yet. Add a `sweep:` section to a model file and run "Model Studio: Run Sweep".');
    throw new Cancelled();
  }
  const picked = all.length === 1 ? all[0] : await vscode.window.showQuickPick(all, { title: 'Model Studio: Open Sweep', placeHolder: 'Which sweep?' });
  if (!picked) throw new Cancelled();
  SweepPanel.createOrShow(ctx, picked.dir);
}
