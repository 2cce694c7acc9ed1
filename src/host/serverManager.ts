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
}

export class ServerManager implements ServerController {
  private readonly servers = new Map<string, Served>();
  private readonly starting = new Map<string, Promise<{ url: string; name: string }>>();
  private readonly changes = new Emitter<{ runDir: string; url?: string }>();
  readonly onDidChange = this.changes.event;

  constructor(private readonly opts: { serverPath: string; settings: ServerSettings; log: HostLog; startTimeoutMs?: number }) {}

  running(runDir: string): { url: string; name: string } | undefined {
    const s = this.servers.get(path.resolve(runDir));
    return s && { url: s.url, name: s.name };
  }

  list(): Array<{ runDir: string; url: string; name: string }> {
    return [...this.servers.entries()].map(([runDir, s]) => ({ runDir, url: s.url, name: s.name }));
  }

  deploy(runDir: string): Promise<{ url: string; name: string }> {
    if (this.opts.settings.trusted && !this.opts.settings.trusted()) return Promise.reject(new Error(UNTRUSTED_MESSAGE));
    const key = path.resolve(runDir);
    const up = this.running(key);
    if (up) return Promise.resolve(up);
    const pending = this.starting.get(key);
    if (pending) return pending;
    const p = this.start(key).finally(() => this.starting.delete(key));
    this.starting.set(key, p);
    return p;
  }

  async stop(runDir: string): Promise<void> {
    const key = path.resolve(runDir);
    const s = this.servers.get(key);
    if (!s) return;
    this.servers.delete(key);
    await endChild(s.child, { type: 'shutdown' }, 5000);
    this.opts.log.info(`server for ${key} stopped`);
    this.changes.fire({ runDir: key });
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((k) => this.stop(k)));
    this.changes.dispose();
  }

  private start(runDir: string): Promise<{ url: string; name: string }> {
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
          this.servers.set(runDir, { child, url: m.url, name: m.name });
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
