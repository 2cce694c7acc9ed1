/**
 * Model servers started by Deploy: one child process (dist/server.js) per run folder, spoken to
 * with src/protocol/serve.ts. Implements the ServerController the dashboard uses. No `vscode`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { parseServeWorkerMessage, type ServeHostMessage } from '../protocol/serve';
import type { ServerController } from './context';
import { Emitter, type HostLog } from './events';
import { UNTRUSTED_MESSAGE } from './runManager';

export interface ServerSettings {
  host(): string;
  /** 0 = any free port */
  port(): number;
  env(): NodeJS.ProcessEnv;
  /** workspace trust: no server starts in an untrusted workspace */
  trusted?(): boolean;
}

interface Served {
  child: ChildProcess;
  url: string;
  name: string;
  /** started again by `restore` after the window reloaded */
  restored?: boolean;
}

/**
 * Where the deployed run folders are remembered between windows (the workspace's state), so a window
 * reload brings their servers back: the extension host, and every process it started, ends with the window.
 */
export interface DeployMemory {
  read(): unknown;
  write(value: DeployRecord): void | Thenable<void>;
}
export interface DeployRecord { runDirs: string[]; /** when the window that served them went away */ endedAt?: number }

/** A window that comes back within this long was reloaded (not closed and opened another day): its servers come back. */
export const RESTORE_WITHIN_MS = 10 * 60_000;

export class ServerManager implements ServerController {
  private readonly servers = new Map<string, Served>();
  private readonly starting = new Map<string, Promise<{ url: string; name: string }>>();
  private readonly changes = new Emitter<{ runDir: string; url?: string }>();
  readonly onDidChange = this.changes.event;

  /** run folders whose server did not come back after a reload, and why */
  private readonly notRestored = new Map<string, string>();
  private disposing = false;

  constructor(private readonly opts: { serverPath: string; settings: ServerSettings; log: HostLog; startTimeoutMs?: number; memory?: DeployMemory }) {}

  running(runDir: string): { url: string; name: string; restored?: boolean } | undefined {
    const s = this.servers.get(path.resolve(runDir));
    return s && { url: s.url, name: s.name, ...(s.restored ? { restored: true } : {}) };
  }

  /** Why the server of a run deployed before the window reloaded did not come back, if it did not. */
  restoreFailure(runDir: string): string | undefined {
    return this.notRestored.get(path.resolve(runDir));
  }

  /**
   * After a window reload: starts again the servers that were deployed when the window went away (not
   * after a window was closed and opened much later, nor ones stopped by the person).
   */
  async restore(now = Date.now()): Promise<void> {
    const raw = this.opts.memory?.read();
    if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as DeployRecord).runDirs)) return;
    const record = raw as DeployRecord;
    const runDirs = record.runDirs.filter((d): d is string => typeof d === 'string');
    if (record.endedAt !== undefined && now - record.endedAt > RESTORE_WITHIN_MS) {
      await this.remember();
      return;
    }
    await Promise.all(runDirs.map(async (runDir) => {
      try {
        await this.deploy(runDir, { restored: true });
        this.opts.log.info(`serving ${runDir} again after the window reloaded`);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        this.notRestored.set(path.resolve(runDir), why);
        this.opts.log.warn(`the server of ${runDir} did not come back after the window reloaded: ${why}`);
        this.changes.fire({ runDir: path.resolve(runDir) });
      }
    }));
    await this.remember();
  }

  private async remember(endedAt?: number): Promise<void> {
    await this.opts.memory?.write({ runDirs: [...this.servers.keys()], ...(endedAt !== undefined ? { endedAt } : {}) });
  }

  list(): Array<{ runDir: string; url: string; name: string }> {
    return [...this.servers.entries()].map(([runDir, s]) => ({ runDir, url: s.url, name: s.name }));
  }

  deploy(runDir: string, how: { restored?: boolean } = {}): Promise<{ url: string; name: string }> {
    if (this.opts.settings.trusted && !this.opts.settings.trusted()) return Promise.reject(new Error(UNTRUSTED_MESSAGE));
    const key = path.resolve(runDir);
    const up = this.running(key);
    if (up) return Promise.resolve(up);
    const pending = this.starting.get(key);
    if (pending) return pending;
    this.notRestored.delete(key);
    const p = this.start(key, how.restored === true).finally(() => this.starting.delete(key));
    this.starting.set(key, p);
    void p.then(() => this.remember(), () => undefined);
    return p;
  }

  async stop(runDir: string): Promise<void> {
    const key = path.resolve(runDir);
    const s = this.servers.get(key);
    if (!s) return;
    this.servers.delete(key);
    // stopped by the person: it does not come back after a reload (the window going away keeps the list)
    if (!this.disposing) await this.remember();
    await endChild(s.child, { type: 'shutdown' }, 5000);
    this.opts.log.info(`server for ${key} stopped`);
    this.changes.fire({ runDir: key });
  }

  /** The window goes away (closed or reloaded): servers stop with it and are remembered, with the time. */
  async dispose(): Promise<void> {
    this.disposing = true;
    await this.remember(Date.now());
    await Promise.all([...this.servers.keys()].map((k) => this.stop(k)));
    this.changes.dispose();
  }

  private start(runDir: string, restored: boolean): Promise<{ url: string; name: string }> {
    const { settings, log } = this.opts;
    const child = fork(this.opts.serverPath, [], { cwd: path.dirname(this.opts.serverPath), env: settings.env(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json', execArgv: [] });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (t: string) => {
        for (const line of t.split('\n')) if (line.trim()) log.debug(`server: ${line}`);
      });
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new Error('the model server did not start within 60 s; see the Model Studio log')), this.opts.startTimeoutMs ?? 60_000);
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(err);
      };
      child.on('message', (raw: unknown) => {
        const parsed = parseServeWorkerMessage(raw);
        if (!parsed.ok) {
          log.warn(`server: ignored an invalid message: ${parsed.error}`);
          return;
        }
        const m = parsed.message;
        if (m.type === 'log') log[m.level](`server: ${m.message}`);
        else if (m.type === 'error') {
          log.error(`server: ${m.message}`);
          fail(new Error(m.message));
        } else if (m.type === 'listening' && !settled) {
          settled = true;
          clearTimeout(timer);
          this.servers.set(runDir, { child, url: m.url, name: m.name, ...(restored ? { restored } : {}) });
          log.info(`serving ${m.name} from ${runDir} at ${m.url} (backend ${m.backend})`);
          this.changes.fire({ runDir, url: m.url });
          resolve({ url: m.url, name: m.name });
        }
      });
      child.on('exit', (code, signal) => {
        fail(new Error(`the model server process ended (${signal ?? `exit code ${code}`}) before it was listening; see the Model Studio log`));
        const s = this.servers.get(runDir);
        if (s?.child === child) {
          this.servers.delete(runDir);
          log.warn(`server for ${runDir} ended (${signal ?? `exit code ${code}`})`);
          this.changes.fire({ runDir });
        }
      });
      child.on('error', (err) => fail(err));
      const port = settings.port();
      const message: ServeHostMessage = { type: 'serve', dir: runDir, host: settings.host(), port };
      child.send(message);
    });
  }
}

async function endChild(child: ChildProcess, message: ServeHostMessage, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    if (child.connected) child.send(message);
  } catch {
    // already gone
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
