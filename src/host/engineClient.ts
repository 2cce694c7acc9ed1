/**
 * Requests that are not training runs (predict, save, evaluate) go to one shared engine process,
 * started on first use and ended after a minute without work, so a dashboard's "Try it" form does
 * not pay the TF.js start-up on every click. Each request carries an id; the reply with that id
 * settles it, and a crash rejects everything pending.
 */
import type { EngineMessage, HostMessage } from '../protocol/engine';
import { describeExit, EngineProcess } from './engineProcess';
import { errorText, type HostLog } from './events';

type Request = Extract<HostMessage, { type: 'predict' | 'save' | 'evaluate' }>;
type Reply = Extract<EngineMessage, { type: 'predicted' | 'saved' | 'reportReady' | 'done' }>;

interface Pending {
  expect: Reply['type'];
  resolve(m: Reply): void;
  reject(err: Error): void;
}

export interface EngineClientOptions {
  enginePath: string;
  cwd?: string;
  env?: () => NodeJS.ProcessEnv;
  log: HostLog;
  idleMs?: number;
  /** every message of the shared process (logs, evaluation progress) */
  onMessage?(message: EngineMessage): void;
}

export class EngineClient {
  private proc: EngineProcess | undefined;
  private readonly pending = new Map<string, Pending>();
  private idleTimer: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(private readonly opts: EngineClientOptions) {}

  async predict(modelDir: string, records: Array<Record<string, unknown>>): Promise<unknown[]> {
    const reply = await this.request({ type: 'predict', id: this.nextId('predict'), modelDir, records }, 'predicted');
    return reply.type === 'predicted' ? reply.predictions : [];
  }

  async save(runDir: string, outDir: string): Promise<string[]> {
    const reply = await this.request({ type: 'save', id: this.nextId('save'), runDir, outDir }, 'saved');
    return reply.type === 'saved' ? reply.files.map(String) : [];
  }

  /** Evaluates a run again; resolves with the report's summary. */
  async evaluate(runDir: string, dataPath?: string): Promise<Record<string, number>> {
    const reply = await this.request({ type: 'evaluate', id: this.nextId('evaluate'), runDir, dataPath }, 'reportReady');
    return reply.type === 'reportReady' ? reply.summary : {};
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const proc = this.proc;
    this.proc = undefined;
    if (proc) void proc.endWithin({ type: 'shutdown' }, 3000);
    this.rejectAll(new Error('Model Studio is shutting down'));
  }

  private nextId(kind: string): string {
    this.seq += 1;
    return `${kind}-${this.seq}`;
  }

  private async request(message: Request, expect: Reply['type']): Promise<Reply> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const proc = this.start();
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(message.id, { expect, resolve, reject }));
    try {
      await proc.ready;
    } catch (err) {
      this.pending.delete(message.id);
      throw err;
    }
    if (!proc.send(message)) {
      this.pending.delete(message.id);
      throw new Error('the engine process is not reachable (it has exited); try again');
    }
    try {
      return await reply;
    } finally {
      this.armIdle();
    }
  }

  private start(): EngineProcess {
    if (this.proc && !this.proc.hasExited) return this.proc;
    const proc = new EngineProcess({
      enginePath: this.opts.enginePath,
      cwd: this.opts.cwd,
      env: this.opts.env?.(),
      onMessage: (m) => this.onMessage(m),
      onInvalid: (error) => this.opts.log.warn(`engine: ignored an invalid message: ${error}`),
      onOutput: (text) => {
        for (const line of text.split('\n')) if (line.trim()) this.opts.log.debug(`engine: ${line}`);
      },
      onExit: (info) => {
        if (this.proc === proc) this.proc = undefined;
        this.rejectAll(new Error(`the engine process ended (${describeExit(info)}) before it answered; see the Model Studio log`));
      },
    });
    this.proc = proc;
    return proc;
  }

  private onMessage(m: EngineMessage): void {
    try {
      this.opts.onMessage?.(m);
    } catch (err) {
      this.opts.log.warn(`engine: ${errorText(err)}`);
    }
    if (m.type === 'log') return;
    const id = 'id' in m ? m.id : undefined;
    if (!id) return;
    const p = this.pending.get(id);
    if (!p) return;
    if (m.type === 'error') {
      this.pending.delete(id);
      p.reject(new Error(m.message));
    } else if (m.type === p.expect) {
      this.pending.delete(id);
      p.resolve(m as Reply);
    } else if (m.type === 'done' && m.status === 'failed') {
      this.pending.delete(id);
      p.reject(new Error('the engine could not complete the request; see the Model Studio log'));
    }
  }

  private armIdle(): void {
    if (this.pending.size > 0) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const proc = this.proc;
      this.proc = undefined;
      if (proc) void proc.endWithin({ type: 'shutdown' }, 3000);
    }, this.opts.idleMs ?? 60_000);
    this.idleTimer.unref();
  }

  private rejectAll(err: Error): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(err);
    }
  }
}
