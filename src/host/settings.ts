/** The extension's settings (contributes.configuration in package.json), read fresh each time. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { threadsEnv } from './engineEnv';

export const BACKEND_CHOICES = ['modelFile', 'auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const cfg = (scope?: vscode.Uri) => vscode.workspace.getConfiguration('modelStudio', scope);

/** The workspace folder holding a file, else the file's own folder. */
export function workspaceRootOf(file: string): string {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ?? path.dirname(file);
}

/** The runs folder for a model file: the setting, relative to the file's workspace folder. */
export function runsDirFor(file: string): string {
  const root = workspaceRootOf(file);
  const setting = cfg(vscode.Uri.file(file)).get<string>('runsFolder', 'runs').trim() || 'runs';
  return path.resolve(root, setting);
}

/** The backend to force, or undefined to use the model file's `train.backend`. */
export function backendOverride(): string | undefined {
  const v = cfg().get<string>('defaultBackend', 'modelFile');
  return v === 'modelFile' || !(BACKEND_CHOICES as readonly string[]).includes(v) ? undefined : v;
}

/** Where Train Model trains: `local` (this machine) or a target of .model-studio/targets.yaml (`modelStudio.defaultTarget`). */
export function defaultTarget(file?: string): string {
  const v = cfg(file ? vscode.Uri.file(file) : undefined).get<string>('defaultTarget', 'local');
  return typeof v === 'string' && v.trim() ? v.trim() : 'local';
}

export function maxConcurrentRuns(): number {
  const v = cfg().get<number>('maxConcurrentRuns', 2);
  return Number.isInteger(v) && v > 0 ? v : 2;
}

/** The environment entries the settings add to engine processes: `modelStudio.threads` (0: one per core). */
export function engineEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return threadsEnv(cfg().get<number>('threads', 0), base);
}

export function stopTimeoutMs(): number {
  const v = cfg().get<number>('stopTimeoutSeconds', 15);
  return (Number.isFinite(v) && v > 0 ? v : 15) * 1000;
}

export function serverHost(): string {
  return cfg().get<string>('server.host', '127.0.0.1') || '127.0.0.1';
}

export function serverPort(): number {
  const v = cfg().get<number>('server.port', 8501);
  return Number.isInteger(v) && v >= 0 && v <= 65535 ? v : 8501;
}

export function logLevel(): LogLevel {
  const v = cfg().get<string>('logLevel', 'info');
  return (LOG_LEVELS as readonly string[]).includes(v) ? (v as LogLevel) : 'info';
}
