/**
 * What the extension's settings add to an engine process's environment (no `vscode` here, so it is
 * tested in plain Node): `modelStudio.threads` becomes MODEL_STUDIO_THREADS, which the engine's
 * WebAssembly kernels read; a MODEL_STUDIO_THREADS already in the environment wins.
 */
export function threadsEnv(setting: number, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (base.MODEL_STUDIO_THREADS) return {};
  return Number.isInteger(setting) && setting > 0 ? { MODEL_STUDIO_THREADS: String(Math.min(setting, 16)) } : {};
}
