/**
 * What the host side hands to the panels (the dashboard) and to commands: the log, the run
 * controller (engine processes) and the server controller (model servers). The dashboard codes
 * against these interfaces only, so the process management can change without touching it.
 */
import type * as vscode from 'vscode';
import type { EngineMessage, RunStatus } from '../protocol/engine';

export interface RunSnapshot {
  runKey: string;
  specPath: string;
  /** known once the engine has sent `runStarted` */
  runDir?: string;
  status: RunStatus;
  /** every message of this run so far, in arrival order (progress throttled by the engine) */
  messages: EngineMessage[];
}

export interface RunController {
  /** every validated engine message of every live run */
  readonly onMessage: vscode.Event<{ runKey: string; message: EngineMessage }>;
  /**
   * starts a run of the model file (on a SLURM target, or continuing a run folder); resolves with its key
   * once the engine process is asked to train
   */
  train(specPath: string, how?: { target?: string; resumeDir?: string }): Promise<string /* runKey */>;
  /** graceful stop (finish the batch, save, exit), then forced after a timeout */
  stop(runKey: string): void;
  get(runKey: string): RunSnapshot | undefined;
  /** runKey of a live run writing to this run folder */
  findByRunDir(runDir: string): string | undefined;
  /** predictions of a saved model (model folder of a run) on raw records, computed in an engine process */
  predict(modelDir: string, records: Array<Record<string, unknown>>): Promise<unknown[]>;
  /** copies a run's model to outDir; resolves with the written files */
  save(runDir: string, outDir: string): Promise<string[]>;
}

export interface ServerController {
  /** starts (or reuses) a local model server for the run's model */
  deploy(runDir: string): Promise<{ url: string; name: string }>;
  stop(runDir: string): Promise<void>;
  running(runDir: string): { url: string; name: string; restored?: boolean } | undefined;
  /** why the server of a run deployed before the window reloaded did not come back */
  restoreFailure?(runDir: string): string | undefined;
}

export interface PanelContext {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  runs: RunController; // src/host/runs.ts
  servers: ServerController; // src/host/servers.ts
}
