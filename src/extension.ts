/**
 * Composition root: builds the host context, registers everything into the extension's
 * disposables, and shows activation errors. No work happens here beyond wiring; TF.js is never
 * loaded in the extension host (training, prediction and serving run in child processes).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { openPendingExample } from './commands/openExample';
import { ModelCodeLens } from './diagnostics/codeLens';
import { isModelFile, ModelDiagnostics } from './diagnostics/modelDiagnostics';
import { registerSchemaHelp } from './diagnostics/schemaHelp';
import type { HostContext } from './host/hostContext';
import { filteredLog } from './host/log';
import { RunManager } from './host/runManager';
import { ServerManager } from './host/serverManager';
import * as settings from './host/settings';
import { RunStatusBar } from './host/statusBar';
import { walkthroughDone } from './host/walkthrough';
import { registerDashboardSerializer } from './panels/dashboard';
import { ModelsTreeProvider } from './views/modelsTree';
import { SweepManager } from './host/sweepManager';
import { registerExperimentSerializers } from './panels/serializers';

/** workspaceState key: the run folders whose model servers run (see ServerManager.restore) */
const DEPLOYED_KEY = 'modelStudio.deployedRuns';

const MODEL_FILES: vscode.DocumentFilter[] = [{ scheme: 'file', pattern: '**/*.model.{yaml,yml,json}' }];

export function activate(ext: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Model Studio', { log: true });
  ext.subscriptions.push(log);
  try {
    const hostLog = filteredLog(log, settings.logLevel);
    const nativeDir = path.join(ext.globalStorageUri.fsPath, 'native');
    const env = (): NodeJS.ProcessEnv => ({ ...process.env, ...settings.engineEnv(process.env), MODEL_STUDIO_NATIVE_DIR: nativeDir, ELECTRON_RUN_AS_NODE: '1' });
    const runSettings = {
      runsDir: settings.runsDirFor,
      workspaceRoot: settings.workspaceRootOf,
      backend: settings.backendOverride,
      maxConcurrentRuns: settings.maxConcurrentRuns,
      env,
      trusted: () => vscode.workspace.isTrusted,
    };
    const runs = new RunManager({
      enginePath: path.join(ext.extensionPath, 'dist', 'engine.js'),
      log: hostLog,
      get stopTimeoutMs() {
        return settings.stopTimeoutMs();
      },
      settings: runSettings,
    });
    const sweeps = new SweepManager({ runs, settings: runSettings, log: hostLog });
    const servers = new ServerManager({
      serverPath: path.join(ext.extensionPath, 'dist', 'server.js'),
      log: hostLog,
      settings: { host: settings.serverHost, port: settings.serverPort, env, trusted: () => vscode.workspace.isTrusted },
      memory: { read: () => ext.workspaceState.get(DEPLOYED_KEY), write: (v) => ext.workspaceState.update(DEPLOYED_KEY, v) },
    });
    // models deployed when the window reloaded are served again (and their dashboards say so)
    if (vscode.workspace.isTrusted) servers.restore().catch((err: unknown) => hostLog.warn(`could not restore model servers: ${err instanceof Error ? err.message : String(err)}`));
    const tree = new ModelsTreeProvider(runs, sweeps);
    // several runs can be selected at once (Compare Runs)
    const treeView = vscode.window.createTreeView('modelStudio.models', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
    const diagnostics = new ModelDiagnostics();
    const ctx: HostContext = { ext, extensionUri: ext.extensionUri, log, hostLog, runs, servers, sweeps, tree, treeView, diagnostics, nativeDir, recent: {} };
    // deactivate() waits for these: sweeps mark their trials interrupted, a run is asked to stop (and save) before the window goes
    shutdown = () => sweeps.dispose().then(() => Promise.all([runs.dispose(), servers.dispose()])).then(() => undefined);
    ext.subscriptions.push(
      tree,
      treeView,
      diagnostics,
      new RunStatusBar(runs),
      vscode.languages.registerCodeLensProvider(MODEL_FILES, new ModelCodeLens(runs, sweeps)),
      ...registerSchemaHelp(MODEL_FILES),
      registerDashboardSerializer(ctx),
      ...registerExperimentSerializers(ctx),
      ...registerCommands(ctx),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e?.document.uri.scheme === 'file' && isModelFile(e.document.uri.fsPath)) ctx.recent.modelFile = e.document.uri.fsPath;
      }),
      runs.onDidChangeRun((r) => {
        if (r.status === 'completed') walkthroughDone('trained');
      }),
      servers.onDidChange((e) => {
        if (e.url) walkthroughDone('deployed');
      }),
      runs.onDidChangeRun((r) => {
        if (r.status === 'failed' && r.proc.hasExited) showFailure(ctx, r.lastError ?? 'the run failed', r.runDir);
      }),
    );
    void vscode.commands.executeCommand('setContext', 'modelStudio.activated', true);
    openPendingExample(ctx).catch((err: unknown) => hostLog.warn(`could not open the example: ${err instanceof Error ? err.message : String(err)}`));
    hostLog.info(`Model Studio ${String((ext.extension.packageJSON as { version?: unknown }).version)} activated (${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: viewing only'})`);
  } catch (err) {
    log.error(err instanceof Error ? err : String(err));
    void vscode.window.showErrorMessage(`Model Studio could not start: ${err instanceof Error ? err.message : String(err)}`, 'Show Log').then((p) => {
      if (p) log.show();
    });
  }
}

const shown = new Set<string>();
function showFailure(ctx: HostContext, message: string, runDir?: string): void {
  const key = runDir ?? message;
  if (shown.has(key)) return; // once per run
  shown.add(key);
  void vscode.window.showErrorMessage(`Model Studio: training failed: ${message}`, 'Show Log').then((pick) => {
    if (pick) ctx.log.show(true);
  });
}

let shutdown: (() => Promise<void>) | undefined;

/** Engine processes get a graceful stop and a kill after 3 s; the rest is in ext.subscriptions. */
export function deactivate(): Promise<void> | undefined {
  return shutdown?.();
}
