/**
 * One engine child process: forked from the bundled engine entry (dist/engine.js), spoken to over
 * the IPC channel with the typed protocol, every arriving message validated before use. The
 * process is never trusted to exit by itself: stop and shutdown are followed by a kill after a
 * timeout. No `vscode` here, so this runs in plain Node tests against a fake engine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { parseEngineMessage, type EngineMessage, type HostMessage } from '../protocol/engine';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EngineProcessOptions {
  /** the engine script (dist/engine.js in the extension, a fake in tests) */
  enginePath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onMessage(message: EngineMessage): void;
  /** a message that failed validation: logged, never acted on */
  onInvalid?(error: string): void;
  /** the process's own stdout/stderr (a crash's stack lands here) */
  onOutput?(text: string, stream: 'stdout' | 'stderr'): void;
  onExit?(info: ExitInfo): void;
}

export class EngineProcess {
  readonly child: ChildProcess;
  /** resolves on the engine's `ready`; rejects if the process ends (or fails to start) first */
  readonly ready: Promise<void>;
  /** resolves once the process has exited, however it ended */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: EngineProcessOptions) {
    this.child = fork(opts.enginePath, [], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      // the engine's stdout is not ours to show raw; it goes to the log as lines
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      // the extension host's own flags (inspector ports, loaders) must not leak into the child
      execArgv: [],
    });
    let onReady: () => void = () => undefined;
    let onFail: (err: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    // a rejected `ready` nobody awaited must not become an unhandled rejection
    this.ready.catch(() => undefined);
    let readySeen = false;
    this.exited = new Promise<ExitInfo>((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        if (this.killTimer) clearTimeout(this.killTimer);
        if (!readySeen) onFail(new Error(`the engine process ended before it was ready (${describeExit(info)})`));
        opts.onExit?.(info);
        resolve(info);
      };
      this.child.on('exit', (code, signal) => done({ code, signal }));
      this.child.on('error', (err) => {
        // a failed spawn emits 'error' without 'exit'
        if (this.child.pid === undefined) {
          opts.onOutput?.(`${err.message}\n`, 'stderr');
          done({ code: null, signal: null });
        }
      });
    });
    this.child.on('message', (raw: unknown) => {
      const parsed = parseEngineMessage(raw);
      if (!parsed.ok) {
        opts.onInvalid?.(parsed.error);
        return;
      }
      if (parsed.message.type === 'ready') {
        readySeen = true;
        onReady();
      }
      opts.onMessage(parsed.message);
    });
    this.child.stdout?.setEncoding('utf8').on('data', (t: string) => opts.onOutput?.(t, 'stdout'));
    this.child.stderr?.setEncoding('utf8').on('data', (t: string) => opts.onOutput?.(t, 'stderr'));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** false when the channel is gone (the process has exited or is exiting) */
  send(message: HostMessage): boolean {
    if (this.hasExited || !this.child.connected) return false;
    try {
      return this.child.send(message);
    } catch {
      return false;
    }
  }

  /** Sends `message` (stop or shutdown) and kills the process if it has not exited within timeoutMs. */
  endWithin(message: HostMessage | undefined, timeoutMs: number): Promise<ExitInfo> {
    if (!this.hasExited) {
      if (message) this.send(message);
      if (!this.killTimer) {
        this.killTimer = setTimeout(() => this.kill(), timeoutMs);
        this.killTimer.unref();
      }
    }
    return this.exited;
  }

  kill(): void {
    if (!this.hasExited) this.child.kill('SIGKILL');
  }
}

export function describeExit(info: ExitInfo): string {
  if (info.signal) return `killed by ${info.signal}`;
  if (info.code === null) return 'it could not be started';
  return `exit code ${info.code}`;
}
