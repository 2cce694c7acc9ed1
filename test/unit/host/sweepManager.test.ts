import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostLog } from '../../../src/host/events';
import { RunManager } from '../../../src/host/runManager';
import { SweepManager } from '../../../src/host/sweepManager';
import { readSweepRecord } from '../../../src/sweep/record';
import { until } from '../../e2e/world';

const FAKE = path.join(__dirname, 'fixtures', 'fakeEngine.cjs');
const CSV = 'a,b,kind\n1,2,x\n2,3,y\n3,1,x\n';
const MODEL = `name: fake
task: classification
data:
  source: data.csv
  label: kind
train:
  epochs: 3
sweep:
  trials: 4
  parallel: 2
  metric: val_loss
  seed: 5
  parameters:
    train.optimizer.learningRate: { min: 0.0001, max: 1, scale: log }
`;

const quiet: HostLog = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };


const roots: string[] = [];
after(async () => {
  for (const d of roots) await fsp.rm(d, { recursive: true, force: true });
});

async function setup(initialMode: string, o: { max?: number; trusted?: boolean } = {}) {
  const mode = { now: initialMode };
  const root = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-sweeps-')));
  roots.push(root);
  await fsp.writeFile(path.join(root, 'data.csv'), CSV);
  const spec = path.join(root, 'fake.model.yaml');
  await fsp.writeFile(spec, MODEL);
  const settings = {
    runsDir: () => path.join(root, 'runs'),
    workspaceRoot: () => root,
    backend: () => undefined,
    maxConcurrentRuns: () => o.max ?? 4,
    env: () => ({ ...process.env, FAKE_ENGINE_MODE: mode.now }),
    trusted: () => o.trusted ?? true,
  };
  const runs = new RunManager({ enginePath: FAKE, log: quiet, stopTimeoutMs: 10_000, settings });
  const sweeps = new SweepManager({ runs, settings, log: quiet, pollMs: 20 });
  return { root, spec, runs, sweeps, mode };
}

describe('SweepManager: trials are runs of the run manager', () => {
  it('runs every trial as an engine run in its trial folder, with the sampled values; the best is the learning rate nearest 0.01', async () => {
    const { spec, runs, sweeps } = await setup('normal');
    const started = await sweeps.start(spec);
    assert.ok(started.sweepDir);
    const sweepDir = started.sweepDir;
    await until('the sweep to complete', () => started.status === 'completed');
    const rec = await readSweepRecord(sweepDir);
    assert.deepEqual(rec.trials.map((t) => t.status), ['completed', 'completed', 'completed', 'completed']);
    // each trial was a run of the run manager, in the folder the sweep named
    const dirs = runs.all().map((r) => r.runDir);
    for (const t of rec.trials) assert.ok(dirs.includes(path.join(sweepDir, t.run)), `${t.run} was not a run of the run manager`);
    const distance = (t: (typeof rec.trials)[number]) => Math.abs(Math.log10(t.params['train.optimizer.learningRate'] as number) + 2);
    const nearest = [...rec.trials].sort((a, b) => distance(a) - distance(b))[0];
    assert.equal(rec.best?.trial, nearest.index);
    assert.ok(started.events.some((e) => e.event === 'trialEpoch'));
    assert.equal(started.events[started.events.length - 1].event, 'done');
    await runs.dispose();
  });

  it('trials count against maxConcurrentRuns together with the other runs', async () => {
    const { spec, runs, sweeps } = await setup('normal', { max: 1 });
    let most = 0;
    runs.onDidChangeRun(() => {
      most = Math.max(most, runs.active().length);
    });
    const s = await sweeps.start(spec);
    await until('the sweep to complete', () => s.status === 'completed');
    assert.equal(most, 1, 'parallel: 2 in the file, but the setting allows one run at a time');
    await runs.dispose();
  });

  it('stop: running trials are stopped and marked interrupted; Resume Sweep continues them in their folders', async () => {
    const { spec, runs, sweeps, mode } = await setup('slow');
    const s = await sweeps.start(spec);
    await until('two trials training', () => runs.active().length === 2);
    assert.equal(sweeps.stop(s.sweepDir as string), true);
    await until('the sweep to stop', () => s.status === 'stopped');
    const rec = await readSweepRecord(s.sweepDir as string);
    assert.deepEqual(rec.trials.map((t) => t.status), ['interrupted', 'interrupted']);
    assert.equal(rec.status, 'stopped');
    await assert.rejects(sweeps.start(spec, { resume: path.join(s.sweepDir as string, 'nope') }), /not a sweep folder/);
    // resume: the two interrupted trials continue in their own folders, then the other two run
    mode.now = 'normal';
    const again = await sweeps.start(spec, { resume: s.sweepDir as string });
    assert.equal(again.sweepDir, s.sweepDir);
    await until('the resumed sweep to complete', () => again.status === 'completed');
    const done = await readSweepRecord(s.sweepDir as string);
    assert.deepEqual(done.trials.map((t) => [t.run, t.status, t.resumes ?? 0]), [['trial-000', 'completed', 1], ['trial-001', 'completed', 1], ['trial-002', 'completed', 0], ['trial-003', 'completed', 0]]);
    await runs.dispose();
  });

  it('an untrusted workspace runs no sweep; a second sweep of the same file while one runs is refused', async () => {
    const untrusted = await setup('normal', { trusted: false });
    await assert.rejects(untrusted.sweeps.start(untrusted.spec), /not trusted/);
    const { spec, runs, sweeps } = await setup('slow');
    const s = await sweeps.start(spec);
    await assert.rejects(sweeps.start(spec), /already running/);
    sweeps.stop(s.sweepDir as string);
    await until('the sweep to stop', () => s.status === 'stopped');
    await runs.dispose();
  });
});
