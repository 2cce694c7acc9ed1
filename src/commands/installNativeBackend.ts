import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { installNative, NATIVE_PACKAGES, type NativePackage } from '../host/nativeInstall';
import { Cancelled } from './pick';

/**
 * Model Studio: Install Native Backend — @tensorflow/tfjs-node-gpu (CUDA) or -node (libtensorflow on
 * the CPU) into the extension's global storage. Offline it fails with a clear message and changes nothing.
 */
export async function installNativeBackend(ctx: HostContext, arg?: unknown): Promise<string> {
  requireTrust('install packages');
  const pkg = (typeof arg === 'string' && (NATIVE_PACKAGES as readonly string[]).includes(arg) ? arg : (await vscode.window.showQuickPick(
    [
      { label: '@tensorflow/tfjs-node-gpu', description: 'NVIDIA GPU through CUDA 11.2 + cuDNN 8.1' },
      { label: '@tensorflow/tfjs-node', description: 'libtensorflow on the CPU (the fastest CPU backend)' },
    ],
    { title: 'Model Studio: Install Native Backend', placeHolder: 'Both download libtensorflow (~300 MB) when they install' },
  ))?.label) as NativePackage | undefined;
  if (!pkg) throw new Cancelled();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Model Studio: installing ${pkg}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return installNative(pkg, ctx.nativeDir, {
        signal: abort.signal,
        env: { ...process.env, npm_config_update_notifier: 'false' },
        onLine: (line) => {
          ctx.hostLog.info(`npm: ${line}`);
          progress.report({ message: line.slice(0, 80) });
        },
      });
    },
  );
  void vscode.window.showInformationMessage(`Model Studio: ${pkg} ${result.version} installed; new runs can use it (Select Backend → ${pkg.endsWith('gpu') ? 'tensorflow-gpu' : 'tensorflow'}).`);
  return result.dir;
}
