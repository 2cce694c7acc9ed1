/**
 * What a command acts on, from however it was invoked: a tree node (sidebar), a Uri (editor title,
 * explorer, CodeLens), `{ runKey }` (status bar, dashboard), or nothing (palette: the active model
 * file, else ask).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { isModelFile } from '../diagnostics/modelDiagnostics';
import { runLabel, runDescription, type RunEntry } from '../views/runList';
import type { ModelNode, RunNode } from '../views/modelsTree';

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const asModelNode = (v: unknown): ModelNode | undefined => (isObj(v) && v.kind === 'model' ? (v as unknown as ModelNode) : undefined);
export const asRunNode = (v: unknown): RunNode | undefined => (isObj(v) && v.kind === 'run' ? (v as unknown as RunNode) : undefined);
export const asUri = (v: unknown): vscode.Uri | undefined => (v instanceof vscode.Uri ? v : undefined);
export const asRunKey = (v: unknown): string | undefined => (isObj(v) && typeof v.runKey === 'string' ? v.runKey : undefined);

/** The model file a command is about: given, the active editor's, or picked. */
export async function pickModelFile(ctx: HostContext, arg: unknown, purpose: string): Promise<string> {
  const node = asModelNode(arg);
  if (node) return node.specPath;
  const run = asRunNode(arg);
  if (run) return run.entry.specPath ?? run.model.specPath;
  const uri = asUri(arg);
  if (uri && isModelFile(uri.fsPath)) return uri.fsPath;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (!arg && active?.scheme === 'file' && isModelFile(active.fsPath)) return active.fsPath;
  const models = await ctx.tree.getModels();
  if (models.length === 0) {
    const pick = await vscode.window.showInformationMessage('There is no model file (*.model.yaml, *.model.json) in this workspace.', 'New Model File…');
    if (pick) void vscode.commands.executeCommand('modelStudio.newModelFile');
    throw new Cancelled();
  }
  if (models.length === 1) return models[0].specPath;
  // the model file last shown in an editor comes first (the walkthrough's Train after Open Example)
  const recent = ctx.recent.modelFile && path.resolve(ctx.recent.modelFile);
  const ordered = [...models].sort((a, b) => Number(path.resolve(b.specPath) === recent) - Number(path.resolve(a.specPath) === recent));
  const picked = await vscode.window.showQuickPick(
    ordered.map((m) => ({ label: m.name, description: vscode.workspace.asRelativePath(m.uri), detail: path.resolve(m.specPath) === recent ? 'last opened' : undefined, specPath: m.specPath })),
    // stays open when the focus moves (a walkthrough that marks its step done as the button is pressed)
    { title: `Model Studio: ${purpose}`, placeHolder: 'Which model file?', ignoreFocusOut: true },
  );
  if (!picked) throw new Cancelled();
  return picked.specPath;
}

/** All runs of all model files, newest first. */
export async function allRuns(ctx: HostContext): Promise<RunNode[]> {
  const out: RunNode[] = [];
  for (const model of await ctx.tree.getModels()) {
    for (const n of await ctx.tree.runsOf(model)) if (n.kind === 'run') out.push(n);
  }
  return out.sort((a, b) => (a.entry.runId < b.entry.runId ? 1 : -1));
}

/** The run a command is about: given, or picked among runs that `accept`. */
export async function pickRun(ctx: HostContext, arg: unknown, purpose: string, accept: (e: RunEntry) => boolean = () => true): Promise<RunNode> {
  const node = asRunNode(arg);
  if (node) return node;
  let candidates = (await allRuns(ctx)).filter((r) => accept(r.entry));
  const model = asModelNode(arg);
  const uri = asUri(arg);
  const spec = model?.specPath ?? (uri && isModelFile(uri.fsPath) ? uri.fsPath : undefined);
  if (spec) candidates = candidates.filter((r) => path.resolve(r.model.specPath) === path.resolve(spec));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Model Studio: there is no run to ${purpose.toLowerCase()}${spec ? ` for ${path.basename(spec)}` : ''}. Train a model first.`);
    throw new Cancelled();
  }
  if (candidates.length === 1) return candidates[0];
  const picked = await vscode.window.showQuickPick(
    candidates.map((r) => ({ label: `${r.model.name} · ${runLabel(r.entry.runId)}`, description: runDescription(r.entry), node: r })),
    { title: `Model Studio: ${purpose}`, placeHolder: 'Which run?', ignoreFocusOut: true },
  );
  if (!picked) throw new Cancelled();
  return picked.node;
}
