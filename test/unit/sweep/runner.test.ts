import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readRunSummary } from '../../../src/experiments/runTable';
import { readSweepRecord } from '../../../src/sweep/record';
import { runSweep, type SweepEvent } from '../../../src/sweep/runner';
import { FakeLauncher, sweepWorkspace } from './fakeLauncher';

const SWEEP = (o: { method?: string; trials?: number; parallel?: number; seed?: number; extra?: string } = {}) => `sweep:
  method: ${o.method ?? 'random'}
  trials: ${o.trials ?? 6}
  parallel: ${o.parallel ?? 2}
  metric: val_loss
  seed: ${o.seed ?? 7}
${o.extra ?? ''}  parameters:
    train.optimizer.learningRate: { min: 0.0001, max: 0.1, scale: log }
    train.batchSize: [16, 32, 64]
`;

function collect(): { events: SweepEvent[]; onEvent: (e: SweepEvent) => void; of: <K extends SweepEvent['event']>(k: K) => Array<Extract<SweepEvent, { event: K }>> } {
  const events: SweepEvent[] = [];
  return {
    events,
    onEvent: (e) => events.push(e),
    of: <K extends SweepEvent['event']>(k: K) => events.filter((e): e is Extract<SweepEvent, { event: K }> => e.event === k),
  };
}

test('runs every trial, at most `parallel` at once; sweep.json and the done event list each trial with params, status, objective', async () => {
  const ws = sweepWorkspace(SWEEP({ trials: 6, parallel: 2 }));
  try {
    // gate: a trial trains once two run, so a loaded machine that launches the second trial after the
    // first one's 30 ms of epochs still shows whether two run at once (it failed with 1 !== 2 there)
    const launcher = new FakeLauncher({ gate: 2 });
    const ev = collect();
    const out = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher, onEvent: ev.onEvent, pollMs: 5 });
    assert.equal(out.status, 'completed');
    assert.equal(launcher.launched.length, 6);
    assert.equal(launcher.maxRunning, 2);
    assert.equal(path.dirname(out.sweepDir), path.join(ws.runs, 'flowers', 'sweeps'));
    const rec = await readSweepRecord(out.sweepDir);
    assert.equal(rec.status, 'completed');
    assert.equal(rec.trials.length, 6);
    for (const t of rec.trials) {
      assert.equal(t.status, 'completed');
      assert.equal(t.run, `trial-${String(t.index).padStart(3, '0')}`);
      assert.ok(fs.existsSync(path.join(out.sweepDir, t.run, 'run.json')));
      assert.equal(typeof t.objective, 'number');
      assert.equal(t.objectiveEpoch, 6, 'the best epoch of a falling loss is the last');
      assert.deepEqual(Object.keys(t.params), ['train.optimizer.learningRate', 'train.batchSize']);
    }
    // the trial's process got the sampled values as --set overrides and its own folder
    assert.deepEqual(launcher.launched[0].overrides.map((o) => o.path), ['train.optimizer.learningRate', 'train.batchSize']);
    assert.equal(launcher.launched[0].runDir, path.join(out.sweepDir, 'trial-000'));
    const objectives = rec.trials.map((t) => t.objective as number);
    const bestIndex = objectives.indexOf(Math.min(...objectives));
    assert.equal(rec.best?.trial, bestIndex);
    const done = ev.of('done')[0];
    assert.equal(ev.events[ev.events.length - 1], done);
    assert.equal(done.sweep, out.sweepDir);
    assert.equal(done.best?.run, path.join(out.sweepDir, rec.trials[bestIndex].run));
    assert.deepEqual(done.best?.params, rec.trials[bestIndex].params);
    assert.equal(done.best?.metrics.val_loss, objectives[bestIndex]);
    assert.equal(done.best?.metrics.accuracy, rec.trials[bestIndex].metrics?.accuracy);
    assert.deepEqual(done.trials.map((t) => [t.run, t.status, t.objective]), rec.trials.map((t) => [path.join(out.sweepDir, t.run), 'completed', t.objective]));
    assert.equal(ev.of('trialEpoch').length, 36);
    assert.ok(ev.of('best').length >= 1);
  } finally {
    ws.dispose();
  }
});

test('the same file and seed sample the same parameters; another seed others', async () => {
  const ws = sweepWorkspace(SWEEP({ trials: 5 }));
  try {
    const params = async () => {
      const out = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher: new FakeLauncher(), onEvent: () => undefined, pollMs: 5 });
      return out.record.trials.map((t) => t.params);
    };
    const a = await params();
    const b = await params();
    assert.deepEqual(a, b);
    fs.writeFileSync(ws.file, fs.readFileSync(ws.file, 'utf8').replace('seed: 7', 'seed: 8'));
    assert.notDeepEqual(await params(), a);
  } finally {
    ws.dispose();
  }
});

test('a failed trial, or one that cannot start, does not end the sweep', async () => {
  const ws = sweepWorkspace(SWEEP({ trials: 8, parallel: 2, seed: 1 }));
  try {
    const launcher = new FakeLauncher({ fails: (p) => p['train.batchSize'] === 64, invalid: (p) => p['train.batchSize'] === 32 });
    const ev = collect();
    const out = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher, onEvent: ev.onEvent, pollMs: 5 });
    assert.equal(out.status, 'completed');
    const byBatch = (b: number) => out.record.trials.filter((t) => t.params['train.batchSize'] === b);
    assert.ok(byBatch(64).length > 0 && byBatch(32).length > 0 && byBatch(16).length > 0, 'the seed gives each batch size');
    for (const t of byBatch(64)) {
      assert.equal(t.status, 'failed');
      assert.match(t.error ?? '', /loss became NaN/);
      assert.equal(t.objective, undefined);
    }
    for (const t of byBatch(32)) {
      assert.equal(t.status, 'failed');
      assert.match(t.error ?? '', /error: this value is not allowed/, 'the trial log says why');
    }
    for (const t of byBatch(16)) assert.equal(t.status, 'completed');
    assert.equal(out.record.trials.length, 8);
    assert.equal(out.record.trials[out.record.best?.trial ?? -1].params['train.batchSize'], 16);
  } finally {
    ws.dispose();
  }
});

test('stop, then resume: finished trials are kept, interrupted ones continue in their folders with the same parameters', async () => {
  const ws = sweepWorkspace(SWEEP({ trials: 6, parallel: 2 }), 20);
  try {
    const controller = new AbortController();
    const first = collect();
    const launcher = new FakeLauncher({ epochs: 20, epochMs: (t) => (t.index < 2 ? 2 : 40) });
    const stopped = await runSweep({
      specPath: ws.file, workspaceRoot: ws.root, launcher, pollMs: 5, signal: controller.signal,
      onEvent: (e) => {
        first.onEvent(e);
        // once trials 0 and 1 are done and 2 and 3 are training, stop
        if (e.event === 'trialEpoch' && e.trial === 3 && e.epoch === 2) controller.abort();
      },
    });
    assert.equal(stopped.status, 'stopped');
    const after = await readSweepRecord(stopped.sweepDir);
    assert.equal(after.status, 'stopped');
    assert.deepEqual(after.trials.map((t) => t.status), ['completed', 'completed', 'interrupted', 'interrupted']);
    assert.deepEqual(after.trials.slice(2).map((t) => t.stopRequested), ['sweep', 'sweep']);
    const doneFirst = first.of('done')[0];
    assert.equal(doneFirst.status, 'stopped');

    const relaunch = new FakeLauncher({ epochs: 20, epochMs: () => 2 });
    const again = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher: relaunch, resume: true, onEvent: () => undefined, pollMs: 5 });
    assert.equal(again.sweepDir, stopped.sweepDir);
    assert.equal(again.status, 'completed');
    assert.deepEqual(relaunch.launched.map((t) => t.index), [2, 3, 4, 5], 'trials 0 and 1 are not redone');
    assert.deepEqual(relaunch.resumed, [2, 3], 'the interrupted trials continue in their folders');
    const rec = await readSweepRecord(again.sweepDir);
    assert.deepEqual(rec.trials.map((t) => t.status), Array(6).fill('completed'));
    assert.equal(rec.trials[2].run, 'trial-002');
    assert.equal(rec.trials[2].resumes, 1);
    assert.deepEqual(rec.trials[2].params, after.trials[2].params);
    // its epochs: the ones before the stop, then the rest, each once
    const epochs = (await readRunSummary(path.join(again.sweepDir, 'trial-002'))).epochs;
    assert.deepEqual(epochs, { planned: 20, completed: 20 });
    assert.equal(rec.trials[2].objectiveEpoch, 20);
    assert.deepEqual(rec.trials[0], { ...after.trials[0], ...{} }, 'a finished trial is left as it was');

    // a completed sweep has nothing to resume; a changed model file cannot be resumed
    await assert.rejects(runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher: relaunch, resume: true, onEvent: () => undefined }), /every sweep of .* has completed/);
    fs.writeFileSync(ws.file, fs.readFileSync(ws.file, 'utf8').replace('units: 8', 'units: 9'));
    await assert.rejects(runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher: relaunch, resume: again.sweepDir, onEvent: () => undefined }), /the model file changed since this sweep started/);
  } finally {
    ws.dispose();
  }
});

test('resume after the sweep process died: a trial that finished meanwhile is taken as it is, a dead one continues', async () => {
  const ws = sweepWorkspace(SWEEP({ trials: 3, parallel: 2 }));
  try {
    const out = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher: new FakeLauncher(), onEvent: () => undefined, pollMs: 5 });
    // make it look as if the sweep was killed while trials 1 and 2 ran: trial 1's process went on and
    // completed, trial 2's died with the sweep (its run.json still says running, with a dead pid)
    const rec = await readSweepRecord(out.sweepDir);
    rec.status = 'running';
    rec.pid = 2 ** 22 + 12345; // no such process
    rec.trials[1].status = 'running';
    delete rec.trials[1].objective;
    rec.trials[2].status = 'running';
    fs.writeFileSync(path.join(out.sweepDir, 'sweep.json'), JSON.stringify(rec));
    const run2 = path.join(out.sweepDir, 'trial-002', 'run.json');
    fs.writeFileSync(run2, JSON.stringify({ ...JSON.parse(fs.readFileSync(run2, 'utf8')), status: 'running', pid: 2 ** 22 + 12346 }));

    const launcher = new FakeLauncher();
    const resumed = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher, resume: true, onEvent: () => undefined, pollMs: 5 });
    assert.deepEqual(launcher.launched.map((t) => t.index), [2]);
    assert.deepEqual(launcher.resumed, [2]);
    const final = await readSweepRecord(resumed.sweepDir);
    assert.equal(final.trials[1].status, 'completed');
    assert.equal(typeof final.trials[1].objective, 'number', 'its objective is read from its run folder');
    assert.equal(final.trials[2].run, 'trial-002');
    assert.equal(final.trials[2].status, 'completed');
  } finally {
    ws.dispose();
  }
});

test('asha stops hopeless trials: they end stoppedEarly with the reason, and can still be the best', async () => {
  const ws = sweepWorkspace(SWEEP({ trials: 8, parallel: 1, extra: '  earlyTermination: { type: asha, minEpochs: 2, reductionFactor: 2 }\n' }), 12);
  try {
    const ev = collect();
    const launcher = new FakeLauncher({ epochs: 12, epochMs: () => 3 });
    const out = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher, onEvent: ev.onEvent, pollMs: 2 });
    const rec = out.record;
    const early = rec.trials.filter((t) => t.status === 'stoppedEarly');
    assert.ok(early.length >= 2, `stopped early: ${early.length}`);
    for (const t of early) {
      assert.match(t.stopReason ?? '', /^asha: at epoch \d+ \(rung \d\)/);
      assert.ok((t.epochsCompleted ?? 99) < 12);
      assert.ok(ev.of('trialStopping').some((e) => e.trial === t.index));
    }
    assert.equal(rec.trials[0].status, 'completed', 'the first trial is never stopped');
    const best = rec.trials.find((t) => t.index === rec.best?.trial);
    assert.ok(best);
    for (const t of rec.trials) if (t.objective !== undefined) assert.ok((best.objective as number) <= t.objective);
  } finally {
    ws.dispose();
  }
});

test('maxConcurrent caps trials below `parallel` (VS Code: modelStudio.maxConcurrentRuns and the other runs)', async () => {
  const ws = sweepWorkspace(SWEEP({ trials: 4, parallel: 3 }));
  try {
    const launcher = new FakeLauncher();
    await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher, maxConcurrent: () => 1, onEvent: () => undefined, pollMs: 5 });
    assert.equal(launcher.maxRunning, 1);
    const wide = new FakeLauncher({ gate: 3 });
    await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher: wide, onEvent: () => undefined, pollMs: 5, trials: 6 });
    assert.equal(wide.maxRunning, 3);
    assert.equal(wide.launched.length, 6, '--trials overrides the file');
  } finally {
    ws.dispose();
  }
});

test('bayes: the sequence of parameters does not depend on the order in which trials finish', async () => {
  const ws = sweepWorkspace(SWEEP({ method: 'bayes', trials: 12, parallel: 3 }));
  try {
    const sequence = async (delay: (i: number) => number) => {
      const launcher = new FakeLauncher({ epochMs: (t) => delay(t.index) });
      const out = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher, onEvent: () => undefined, pollMs: 2 });
      return { params: out.record.trials.map((t) => t.params), order: launcher.order };
    };
    const a = await sequence(() => 2);
    const b = await sequence((i) => [9, 1, 4][i % 3]);
    assert.notDeepEqual(a.order, b.order, 'the trials finished in another order');
    assert.deepEqual(b.params, a.params);
  } finally {
    ws.dispose();
  }
});

test('a model file without a sweep section is a FILE error', async () => {
  const ws = sweepWorkspace('');
  try {
    await assert.rejects(runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher: new FakeLauncher(), onEvent: () => undefined }), (err: Error & { problems?: Array<{ message: string; file: string }> }) => {
      assert.equal(err.problems?.[0].file, ws.file);
      assert.match(err.problems?.[0].message ?? '', /no `sweep:` section/);
      return true;
    });
  } finally {
    ws.dispose();
  }
});
