/**
 * Model Studio: Compare Runs… — the runs selected in the sidebar (two or more), else a multi-pick of
 * every run; Compare All Runs (a model's context menu) compares all of a model's runs.
 */
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { ComparePanel } from '../panels/comparePanel';
import { runDescription, runLabel } from '../views/runList';
import type { RunNode } from '../views/modelsTree';
import { resolveSelection } from '../views/selection';
import { allRuns, asModelNode, asRunNode, Cancelled } from './pick';

/** At most this many runs side by side (the newest, when a model has more). */
export const MAX_COMPARED = 24;

export async function compareRuns(ctx: HostContext, clicked?: unknown, selected?: unknown): Promise<void> {
  // from the sidebar: (the clicked item, every selected item); from the palette: the sidebar's selection
  const given: unknown[] = Array.isArray(selected) ? selected : clicked === undefined ? [...ctx.treeView.selection] : [clicked];
  // items VS Code could not resolve (the sidebar was redrawing) come back from the view's selection
  const picked = await resolveSelection({ given, current: () => ctx.treeView.selection, accept: asRunNode });
  if (picked.length >= 2) {
    ComparePanel.createOrShow(ctx, picked.map((n) => n.entry.runDir));
    return;
  }
  const model = asModelNode(clicked);
  const runs = (await runsAndTrials(ctx)).filter((r) => !model || r.model.specPath === model.specPath);
  if (runs.length < 2) {
    void vscode.window.showInformationMessage(`Model Studio: comparing needs two runs${model ? ` of ${model.name}` : ''}; there ${runs.length === 1 ? 'is one' : 'are none'}. Train again (or run a sweep) first.`);
    throw new Cancelled();
  }
  const items = runs.map((r) => ({
    label: `${r.model.name} · ${r.trial !== undefined ? `trial ${r.trial}` : runLabel(r.entry.runId)}`,
    description: runDescription(r.entry),
    picked: picked.some((p) => p.entry.runDir === r.entry.runDir),
    runDir: r.entry.runDir,
  }));
  const chosen = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Model Studio: Compare Runs', placeHolder: 'Tick two or more runs' });
  if (!chosen) throw new Cancelled();
  if (chosen.length < 2) {
    void vscode.window.showInformationMessage('Model Studio: tick at least two runs to compare.');
    throw new Cancelled();
  }
  ComparePanel.createOrShow(ctx, chosen.slice(0, MAX_COMPARED).map((c) => c.runDir));
}

/** Every run of every model file, newest first, then the sweeps' trials. */
async function runsAndTrials(ctx: HostContext): Promise<RunNode[]> {
  const trials: RunNode[] = [];
  for (const m of await ctx.tree.getModels()) {
    for (const s of await ctx.tree.sweepsOf(m)) trials.push(...(await ctx.tree.trialsOf(s)));
  }
  return [...(await allRuns(ctx)), ...trials];
}

export async function compareAllRuns(ctx: HostContext, arg?: unknown): Promise<void> {
  const model = asModelNode(arg);
  const models = model ? [model] : await ctx.tree.getModels();
  const target = model ?? (models.length === 1 ? models[0] : undefined);
  if (!target) return compareRuns(ctx);
  const runs = (await ctx.tree.runsOf(target)).filter((n): n is RunNode => n.kind === 'run');
  if (runs.length < 2) {
    void vscode.window.showInformationMessage(`Model Studio: ${target.name} has ${runs.length === 1 ? 'one run' : 'no runs'}; comparing needs two.`);
    throw new Cancelled();
  }
  ComparePanel.createOrShow(ctx, runs.slice(0, MAX_COMPARED).map((n) => n.entry.runDir));
}
