/**
 * One watcher of SLURM jobs for a whole process (the CLI, or the extension host with many runs): every
 * few seconds (never faster than every 2 s) one `squeue` call covers every job being watched; a job that
 * has left the queue is looked up once more (sacct where accounting is on, else scontrol while SLURM
 * still holds it) and its watchers get the final word.
 */
import { baseJobId, exec as defaultExec, finalJobInfo, squeue, type Exec, type JobInfo } from './slurm';

export interface JobUpdate {
  key: string;
  /** still in squeue */
  inQueue: boolean;
  state: string;
  reason: string;
  /** once it has left the queue: what SLURM says of its end (undefined when SLURM has forgotten it) */
  final?: JobInfo;
}

type Listener = (u: JobUpdate) => void;

export const MIN_POLL_MS = 2000;

export class SlurmMonitor {
  private readonly listeners = new Map<string, Set<Listener>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastPoll = 0;
  private failures = 0;
  /** squeue calls made (tests check that many runs share one) */
  calls = 0;

  constructor(private readonly opts: { exec?: Exec; pollMs?: number; onError?: (err: unknown) => void } = {}) {}

  private get interval(): number {
    return Math.max(MIN_POLL_MS, this.opts.pollMs ?? 5000);
  }

  /** Follow one job (`123` or array task `123_4`); the listener hears every poll and, last, the final word. */
  watch(key: string, listener: Listener): { dispose(): void } {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    this.schedule(0);
    return {
      dispose: () => {
        set?.delete(listener);
        if (set?.size === 0) this.listeners.delete(key);
        if (this.listeners.size === 0) this.dispose();
      },
    };
  }

  /** Ask SLURM again soon (after a stop or a submit), still no sooner than the minimum interval. */
  nudge(): void {
    this.schedule(0);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.running) return; // the poll in flight schedules the next one
    const wait = Math.max(delayMs, this.lastPoll + MIN_POLL_MS - Date.now(), 0);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.running = this.poll().finally(() => { this.running = undefined; this.next(); }); }, wait);
  }

  private next(): void {
    if (this.listeners.size === 0) return;
    // after failures (slurmctld restarting, network), back off up to a minute
    this.schedule(Math.min(60_000, this.interval * 2 ** Math.min(this.failures, 4)));
  }

  private async poll(): Promise<void> {
    this.lastPoll = Date.now();
    const keys = [...this.listeners.keys()];
    if (keys.length === 0) return;
    const run = this.opts.exec ?? defaultExec;
    let queue: Awaited<ReturnType<typeof squeue>>;
    try {
      this.calls++;
      queue = await squeue(keys, run);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.opts.onError?.(err);
      return;
    }
    for (const key of keys) {
      // a plain job id also matches its array's tasks when it is an array: the array as a whole is in the queue
      const entry = queue.get(key) ?? (key.includes('_') ? undefined : [...queue.values()].find((e) => baseJobId(e.key) === key));
      if (entry) {
        this.tell(key, { key, inQueue: true, state: entry.state, reason: entry.reason });
        continue;
      }
      let final: JobInfo | undefined;
      try {
        final = await finalJobInfo(key, run);
      } catch (err) {
        this.opts.onError?.(err);
      }
      // requeued between the two calls: it is back in the queue, so not over
      if (final && (final.state === 'PENDING' || final.state === 'REQUEUED' || final.state === 'RUNNING' || final.state === 'COMPLETING')) {
        this.tell(key, { key, inQueue: true, state: final.state, reason: final.reason ?? '' });
        continue;
      }
      this.tell(key, { key, inQueue: false, state: final?.state ?? 'UNKNOWN', reason: final?.reason ?? '', ...(final ? { final } : {}) });
      this.listeners.delete(key);
    }
  }

  private tell(key: string, u: JobUpdate): void {
    for (const l of [...(this.listeners.get(key) ?? [])]) {
      try {
        l(u);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }
}

const shared = new Map<number, SlurmMonitor>();

/**
 * The process's monitor for an interval: every run this process follows at that interval (the editor's
 * cluster runs share one engine process) is covered by the same `squeue` call. It idles, with no timer,
 * while it watches nothing, so it never keeps a process alive.
 */
export function sharedMonitor(pollMs: number): SlurmMonitor {
  const key = Math.max(MIN_POLL_MS, pollMs);
  let m = shared.get(key);
  if (!m) shared.set(key, (m = new SlurmMonitor({ pollMs: key })));
  return m;
}
