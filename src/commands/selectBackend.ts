import * as vscode from 'vscode';
import { BACKEND_CHOICES, backendOverride } from '../host/settings';

const DESCRIPTIONS: Record<(typeof BACKEND_CHOICES)[number], string> = {
  modelFile: "use each model file's train.backend",
  auto: 'the fastest that loads: tensorflow-gpu → tensorflow → webgpu → wasm → cpu',
  'tensorflow-gpu': 'CUDA through @tensorflow/tfjs-node-gpu (Install Native Backend)',
  tensorflow: 'libtensorflow on the CPU through @tensorflow/tfjs-node (Install Native Backend)',
  webgpu: 'WebGPU through Dawn for Node',
  wasm: 'WebAssembly with SIMD; works everywhere',
  cpu: 'plain JavaScript; slowest, always there',
};

/** Model Studio: Select Backend — sets modelStudio.defaultBackend for this workspace. */
export async function selectBackend(_ctx: unknown, arg?: unknown): Promise<string | undefined> {
  const current = backendOverride() ?? 'modelFile';
  const given = typeof arg === 'string' && (BACKEND_CHOICES as readonly string[]).includes(arg) ? arg : undefined;
  const picked = given ?? (await vscode.window.showQuickPick(
    BACKEND_CHOICES.map((b) => ({ label: b, description: DESCRIPTIONS[b], picked: b === current, detail: b === current ? 'current' : undefined })),
    { title: 'Model Studio: Select Backend', placeHolder: 'The backend training uses in this workspace' },
  ))?.label;
  if (!picked) return undefined;
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('modelStudio').update('defaultBackend', picked, target);
  void vscode.window.setStatusBarMessage(`Model Studio: backend ${picked}`, 3000);
  return picked;
}
