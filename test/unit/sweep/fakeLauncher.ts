/**
 * A launcher whose trials are simulated in this process: each writes a real run folder (run.json,
 * metrics.jsonl) the way `model-studio train` does, epoch by epoch on a timer, so the runner is tested
 * without TensorFlow.js. The objective is a known function of the parameters.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { epochsOfLines } from '../../../src/experiments/epochLines';
import type { TrialEnd, TrialHandle, TrialLaunch, TrialLauncher } from '../../../src/sweep/launcher';

export interface FakeOptions {
  epochs?: number;
  /** ms per epoch (default 5) */
  epochMs?: (trial: TrialLaunch) => number;
  /** val_loss of a trial at an epoch (default: from the learning rate and units) */
  loss?: (params: Record<string, unknown>, epoch: number) => number;
  /** trials that fail: a run.json with status failed after one epoch */
  fails?: (params: Record<string, unknown>) => boolean;
  /** trials that cannot start: no run folder, exit code 2 */
  invalid?: (params: Record<string, unknown>) => boolean;
  /** trials start their first epoch only once this many run at once (or after 5 s), so a test of the
   * concurrency limit does not depend on how fast a loaded machine launches the next trial */
  gate?: number;
}

export const defaultLoss = (p: Record<string, unknown>, epoch: number): number => {
  const lr = typeof p['train.optimizer.learningRate'] === 'number' ? p['train.optimizer.learningRate'] : 0.01;
  const l = Math.log10(lr) + 2;
  return l * l + 1 / epoch + (typeof p['train.batchSize'] === 'number' ? p['train.batchSize'] / 1000 : 0);
};

export class FakeLauncher implements TrialLauncher {
  readonly name = 'fake';
  running = 0;
  maxRunning = 0;
  readonly launched: TrialLaunch[] = [];
  readonly order: number[] = [];
  /** trials continued in their folder */
  readonly resumed: number[] = [];

  constructor(private readonly o: FakeOptions = {}) {}

  async launch(t: TrialLaunch): Promise<TrialHandle> {
    this.launched.push(t);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const params = Object.fromEntries(t.overrides.map((x) => [x.path, x.value]));
    const epochs = this.o.epochs ?? 6;
    let stop = false;
    let killed = false;
    let resolveEnded: (e: TrialEnd) => void = () => undefined;
    const ended = new Promise<TrialEnd>((r) => { resolveEnded = r; });
    const finish = (e: TrialEnd) => {
      this.running--;
      this.order.push(t.index);
      resolveEnded(e);
    };
    if (this.o.invalid?.(params)) {
      fs.mkdirSync(path.dirname(t.logFile), { recursive: true });
      fs.writeFileSync(t.logFile, `${t.specPath}:3:5: error: this value is not allowed\n`);
      setTimeout(() => finish({ exitCode: 2, signal: null }), 2);
      return { stop() {}, kill() {}, ended };
    }
    fs.mkdirSync(t.runDir, { recursive: true });
    const started = new Date().toISOString();
    const runJson = (status: string, extra: Record<string, unknown> = {}) => fs.writeFileSync(path.join(t.runDir, 'run.json'), JSON.stringify({
      format: 'model-studio-run', version: 1, runId: path.basename(t.runDir), modelName: 'flowers', task: 'classification', specPath: t.specPath,
      status, pid: process.pid, startedAt: started, updatedAt: new Date().toISOString(), epochs: { planned: epochs, completed: extra.completed ?? 0 }, ...extra,
    }));
    runJson('running');
    const metrics = path.join(t.runDir, 'metrics.jsonl');
    let epoch = 0;
    if (t.resume) {
      // continue after the epochs already written, as `train --resume` does from its last checkpoint
      this.resumed.push(t.index);
      const lines = fs.readFileSync(metrics, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
      epoch = epochsOfLines(lines).length;
      fs.appendFileSync(metrics, `${JSON.stringify({ event: 'resume', epoch: epoch + 1, batch: 0, step: epoch * 4 })}\n`);
    } else {
      fs.appendFileSync(metrics, `${JSON.stringify({ event: 'trainBegin', epochs })}\n`);
    }
    const tick = () => {
      if (killed) {
        finish({ exitCode: null, signal: 'SIGKILL' });
        return;
      }
      // a stop lands inside the epoch in progress, which is then not completed (as the engine stops at a batch):
      // the run ends stopped with the epochs finished before it, never with all of them
      if (stop) {
        const loss = (this.o.loss ?? defaultLoss)(params, Math.max(1, epoch));
        runJson('stopped', { completed: epoch, endedAt: new Date().toISOString(), metrics: { accuracy: 1 / (1 + loss), macroF1: 0.5 }, stopReason: 'stopped on request' });
        finish({ exitCode: 130, signal: null });
        return;
      }
      epoch++;
      const loss = (this.o.loss ?? defaultLoss)(params, epoch);
      fs.appendFileSync(metrics, `${JSON.stringify({ event: 'epoch', epoch, step: epoch * 4, loss: loss + 0.1, val_loss: loss, accuracy: 1 / (1 + loss), elapsedMs: epoch })}\n`);
      if (this.o.fails?.(params)) {
        runJson('failed', { completed: epoch, endedAt: new Date().toISOString(), error: { message: 'loss became NaN at epoch 1' } });
        finish({ exitCode: 1, signal: null });
        return;
      }
      if (epoch >= epochs) {
        runJson('completed', { completed: epoch, endedAt: new Date().toISOString(), metrics: { accuracy: 1 / (1 + loss), macroF1: 0.5 } });
        finish({ exitCode: 0, signal: null });
        return;
      }
      setTimeout(tick, this.o.epochMs?.(t) ?? 5);
    };
    const gate = this.o.gate;
    if (gate === undefined) setTimeout(tick, this.o.epochMs?.(t) ?? 5);
    else {
      const deadline = Date.now() + 5000;
      const wait = () => (this.running >= gate || Date.now() > deadline ? tick() : setTimeout(wait, 2));
      wait();
    }
    return { stop: () => { stop = true; }, kill: () => { killed = true; }, ended };
  }
}

export const FLOWERS = 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n6.3,3.3,6.0,2.5,virginica\n';

export function sweepWorkspace(sweep: string, epochs = 6): { root: string; file: string; runs: string; dispose(): void } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ms-sweep-')));
  fs.writeFileSync(path.join(root, 'flowers.csv'), FLOWERS);
  const file = path.join(root, 'flowers.model.yaml');
  fs.writeFileSync(file, `name: flowers\ntask: classification\ndata:\n  source: flowers.csv\n  label: species\nmodel:\n  layers:\n    - { type: dense, units: 8, activation: relu }\ntrain:\n  epochs: ${epochs}\n  batchSize: 16\n${sweep}`);
  return { root, file, runs: path.join(root, 'runs'), dispose: () => fs.rmSync(root, { recursive: true, force: true }) };
}
