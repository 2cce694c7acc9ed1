/**
 * The engine child process, forked by the extension host (dist/engine.js). It speaks only the
 * typed messages of src/protocol/engine.ts over the IPC channel: every message that arrives is
 * checked with parseHostMessage, and a malformed one is answered with an `error`. It never writes
 * to stdout; logs (its own and TF.js's console output) go out as `log` messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROTOCOL_VERSION, parseHostMessage, type EngineMessage, type HostMessage } from '../protocol/engine';
import type { BackendName } from '../modelFile/schema';
import { BACKENDS } from '../modelFile/schema';
import type { LoadedModel } from './saved';

type Send = (m: EngineMessage) => void;

export interface WorkerDeps {
  send: Send;
  /** called after shutdown has finished */
  exit(code: number): void;
}

/** The message handling, separate from process wiring so tests can drive it directly. */
export function createWorker(deps: WorkerDeps) {
  const { send } = deps;
  const runs = new Map<string, AbortController>();
  const active = new Set<Promise<unknown>>();
  /** runs on a SLURM target: this process only follows their jobs, so shutting it down leaves them running */
  const following = new Set<string>();
  const models = new Map<string, Promise<LoadedModel>>();
  let shuttingDown = false;

  const fail = (err: unknown, id?: string) => send({
    type: 'error', ...(id ? { id } : {}), message: err instanceof Error ? err.message : String(err),
    ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
  });

  const track = (p: Promise<unknown>) => {
    active.add(p);
    p.finally(() => active.delete(p)).catch(() => undefined);
  };

  async function train(m: Extract<HostMessage, { type: 'train' }>): Promise<void> {
    if (runs.has(m.id)) throw new Error(`a run with id '${m.id}' is already training`);
    const backend = m.overrides?.backend;
    if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
      throw new Error(`overrides.backend '${backend}' is not one of ${BACKENDS.join(', ')}`);
    }
    const epochs = m.overrides?.epochs;
    if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0)) throw new Error(`overrides.epochs must be a positive integer (got ${String(epochs)})`);
    const controller = new AbortController();
    runs.set(m.id, controller);
    try {
      const common = { id: m.id, workspaceRoot: m.workspaceRoot, epochs, backend: backend as BackendName | undefined, signal: controller.signal, onEvent: send };
      if (m.target !== undefined && m.target !== 'local') {
        if (m.resumeDir) throw new Error('a run folder resumes where it is: a cluster job resumes itself when SLURM requeues it');
        following.add(m.id);
        await trainOnTarget(m, m.target, common);
        return;
      }
      const { trainModelFile, resumeRun } = await import('./session');
      if (m.resumeDir) await resumeRun({ ...common, runDir: m.resumeDir });
      else await trainModelFile({ ...common, specPath: m.specPath, runsDir: m.runsDir, ...(m.runDir ? { runDir: m.runDir } : {}), ...(m.set ? { overrides: m.set } : {}) });
    } catch (err) {
      // errors before a run folder exists (invalid model file, data, backend): say where
      const problems = (err as { problems?: Array<{ file: string; line: number; column: number; path: string; message: string }> }).problems;
      const first = Array.isArray(problems) ? problems[0] : undefined;
      const data = err instanceof Error && err.name === 'DataError' ? (err as Error & { file: string; row?: number }) : undefined;
      const location = first
        ? { file: first.file, line: first.line, column: first.column, path: first.path }
        : data ? { file: data.file, ...(data.row ? { line: data.row } : {}) } : undefined;
      send({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err), ...(location ? { location } : {}) });
      send({ type: 'done', id: m.id, status: 'failed' });
    } finally {
      runs.delete(m.id);
      following.delete(m.id);
    }
  }

  /**
   * A run on a SLURM target: submit (the queued run folder is made first), then follow the job — queued
   * with SLURM's reason, then the run folder's messages, then the end — as the messages of this run id.
   * Stop cancels the job (a running one gets SIGTERM, finishes its batch and saves).
   */
  async function trainOnTarget(m: Extract<HostMessage, { type: 'train' }>, targetName: string, common: { workspaceRoot: string; epochs?: number; backend?: BackendName; signal: AbortSignal }): Promise<void> {
    const { trainOnTarget: submitAndFollow } = await import('../cli/trainOnTarget');
    await submitAndFollow({
      ...common, id: m.id, specPath: m.specPath, runsDir: m.runsDir, overrides: [], targetName, detach: false,
      onEvent: send,
      onSubmitted: (s) => {
        send({ type: 'log', level: 'info', id: m.id, message: `submitted to target ${s.target}${s.partition ? ` (partition ${s.partition})` : ''} as SLURM job ${s.jobId}; job log ${s.output}` });
        send({ type: 'queued', id: m.id, runDir: s.runDir, jobId: s.jobId, target: s.target, state: 'PENDING', reason: 'None' });
      },
    });
  }

  async function loadModel(dir: string): Promise<LoadedModel> {
    const key = path.resolve(dir);
    let p = models.get(key);
    if (!p) {
      const { loadSavedModel } = await import('./saved');
      p = loadSavedModel(key);
      models.set(key, p);
      p.catch(() => models.delete(key));
    }
    return p;
  }

  async function handle(m: HostMessage): Promise<void> {
    switch (m.type) {
      case 'train':
        return train(m);
      case 'evaluate': {
        const { evaluateRun } = await import('./session');
        const out = await evaluateRun(m.runDir, m.dataPath);
        send({ type: 'reportReady', id: m.id, runDir: out.runDir ?? m.runDir, summary: out.report.summary });
        send({ type: 'done', id: m.id, status: 'completed', runDir: out.runDir ?? m.runDir, summary: out.report.summary });
        return;
      }
      case 'predict': {
        const records = m.records.filter((r) => typeof r === 'object' && r !== null && !Array.isArray(r));
        if (records.length !== m.records.length) throw new Error('predict: every record must be an object of column → value');
        const loaded = await loadModel(m.modelDir);
        const { predictRecords } = await import('./predict');
        send({ type: 'predicted', id: m.id, predictions: await predictRecords(loaded, records) });
        return;
      }
      case 'save': {
        const { resolveModelDir, MODEL_FILES } = await import('./saved');
        const { writeFileAtomic } = await import('./fsutil');
        const from = resolveModelDir(m.runDir);
        const out = path.resolve(m.outDir);
        // Save INTO the folder the person picked: only the model's three files are written there (each
        // atomically, overwriting an older copy of them); nothing else in the folder is touched. Never
        // replace the folder whole: the folder picker offers any existing folder — a project, the
        // workspace, its parent — and replacing it would delete everything in it.
        if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new Error(`${out} is a file, not a folder: pick a folder to save the model into`);
        fs.mkdirSync(out, { recursive: true });
        if (path.resolve(from) !== out) {
          for (const f of MODEL_FILES) writeFileAtomic(path.join(out, f), fs.readFileSync(path.join(from, f)));
        }
        send({ type: 'saved', id: m.id, outDir: out, files: MODEL_FILES.map((f) => path.join(out, f)) });
        return;
      }
      case 'stop': {
        // one run, by its id: a process that follows several cluster jobs must not stop the others
        const target = runs.get(m.id);
        if (target) target.abort();
        else send({ type: 'log', level: 'info', id: m.id, message: `stop: nothing is training as '${m.id}'` });
        return;
      }
      case 'shutdown': {
        shuttingDown = true;
        // training here stops and saves; cluster jobs go on without this process following them
        for (const [id, c] of runs) if (!following.has(id)) c.abort();
        await Promise.allSettled([...active]);
        deps.exit(0);
        return;
      }
    }
  }

  return {
    /** Handle one raw message from the host. */
    receive(raw: unknown): void {
      const parsed = parseHostMessage(raw);
      if (!parsed.ok) {
        const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
        send({ type: 'error', ...(id ? { id } : {}), message: `rejected a malformed message: ${parsed.error}` });
        return;
      }
      if (shuttingDown && parsed.message.type !== 'shutdown') {
        send({ type: 'error', message: `the engine is shutting down; '${parsed.message.type}' was not run` });
        return;
      }
      const m = parsed.message;
      const id = 'id' in m ? m.id : undefined;
      const p = handle(m).catch((err: unknown) => fail(err, id));
      // following a cluster job is not work a shutdown waits for
      if (!(m.type === 'train' && m.target !== undefined && m.target !== 'local')) track(p);
    },
    get training(): number { return runs.size; },
  };
}

/** Route console output to `log` messages: stdout belongs to nobody in the engine process. */
function redirectConsole(send: Send): void {
  const toLog = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) =>
    send({ type: 'log', level, message: args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.stack ?? a.message : JSON.stringify(a))).join(' ') });
  console.log = toLog('info');
  console.info = toLog('info');
  console.debug = toLog('debug');
  console.warn = toLog('warn');
  console.error = toLog('error');
}

function main(): void {
  if (typeof process.send !== 'function') {
    process.stderr.write('model-studio engine: start me with child_process.fork (I talk over IPC only)\n');
    process.exitCode = 2;
    return;
  }
  const send: Send = (m) => {
    if (process.connected) process.send?.(m);
  };
  redirectConsole(send);
  const worker = createWorker({ send, exit: (code) => { process.disconnect?.(); process.exit(code); } });
  process.on('message', (raw) => worker.receive(raw));
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', (err) => send({ type: 'error', message: `engine error: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) }));
  process.on('unhandledRejection', (err) => send({ type: 'error', message: `engine error: ${err instanceof Error ? err.message : String(err)}` }));
  send({ type: 'ready', protocol: PROTOCOL_VERSION, pid: process.pid });
}

if (require.main === module) main();
