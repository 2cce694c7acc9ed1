/**
 * Installs an optional native TF.js backend (@tensorflow/tfjs-node-gpu or -node) into a folder of
 * the extension's global storage, which the engine reads through MODEL_STUDIO_NATIVE_DIR. The
 * install goes into a staging folder and replaces the old one only when it succeeded, so a failure
 * (offline: the package downloads libtensorflow at install) changes nothing. No `vscode`.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type NativePackage = (typeof NATIVE_PACKAGES)[number];
/** must match the @tensorflow/tfjs the engine bundles against */
export const TFJS_VERSION = '4.22.0';

export interface InstallOptions {
  /** the npm executable (default `npm` from PATH) */
  npm?: string;
  env?: NodeJS.ProcessEnv;
  /** each line npm prints, for the log and the progress notification */
  onLine?(line: string): void;
  signal?: AbortSignal;
}

export class NativeInstallError extends Error {}

export async function installNative(pkg: NativePackage, targetDir: string, opts: InstallOptions = {}): Promise<{ dir: string; version: string }> {
  const staging = `${targetDir}.staging-${process.pid}-${Date.now().toString(36)}`;
  await fsp.mkdir(staging, { recursive: true });
  try {
    await fsp.writeFile(path.join(staging, 'package.json'), `${JSON.stringify({ name: 'model-studio-native', private: true, description: 'Optional native TF.js backend installed by Model Studio' }, null, 2)}\n`);
    const spec = `${pkg}@${TFJS_VERSION}`;
    const args = ['install', spec, '--no-audit', '--no-fund', '--no-save', '--omit=dev', `--allow-scripts=${pkg}`];
    const { code, output } = await run(opts.npm ?? 'npm', args, staging, opts);
    if (code !== 0) throw new NativeInstallError(explainFailure(pkg, code, output));
    const pkgJson = path.join(staging, 'node_modules', ...pkg.split('/'), 'package.json');
    let version: string;
    try {
      version = String((JSON.parse(await fsp.readFile(pkgJson, 'utf8')) as { version?: unknown }).version);
    } catch {
      throw new NativeInstallError(`npm reported success but ${pkg} is not in ${staging}; nothing was changed`);
    }
    // replace the old install only now that the new one is complete
    await fsp.rm(targetDir, { recursive: true, force: true });
    await fsp.rename(staging, targetDir);
    return { dir: targetDir, version };
  } finally {
    await fsp.rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

function run(cmd: string, args: string[], cwd: string, opts: InstallOptions): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
    let output = '';
    let partial = '';
    const onData = (t: string) => {
      output += t;
      if (output.length > 200_000) output = output.slice(-100_000);
      const lines = (partial + t).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) opts.onLine?.(l);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new NativeInstallError(`'${cmd}' was not found: the native backend is installed with npm, which comes with Node.js; install Node.js (20) so that npm is on PATH, then try again. Nothing was changed.`));
      else if (err.name === 'AbortError') reject(new NativeInstallError('the install was cancelled; nothing was changed'));
      else reject(err);
    });
    child.on('close', (code) => {
      if (partial.trim()) opts.onLine?.(partial);
      resolve({ code: code ?? 1, output });
    });
  });
}

/** One message a person can act on, from npm's exit code and output. */
export function explainFailure(pkg: string, code: number, output: string): string {
  const host = /getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+)/.exec(output)?.[1] ?? /(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)[^\n]*?([\w-]+\.[\w.-]+)/.exec(output)?.[1];
  if (host || /ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|network/i.test(output)) {
    return `could not install ${pkg}: the network is not reachable${host ? ` (${host} could not be resolved)` : ''}. ${pkg} downloads libtensorflow when it installs, so it needs internet access; the WebGPU, WASM and CPU backends keep working without it. Nothing was changed.`;
  }
  const last = output.trim().split('\n').filter((l) => /error/i.test(l)).slice(-3).join(' | ');
  return `could not install ${pkg} (npm exited with code ${code})${last ? `: ${last}` : ''}. See the Model Studio log for npm's output. Nothing was changed.`;
}
