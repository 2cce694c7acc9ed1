/**
 * `model-studio sweep` end to end with real training (tiny iris models, cpu, 3 epochs): the --json
 * last line, trial folders with the sampled values, and a sweep killed with SIGKILL mid-way that
 * resumes without redoing a finished trial.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadModelFileWithSweep } from '../../../src/modelFile';
import { readSweepRecord } from '../../../src/sweep/record';
import { randomParams } from '../../../src/sweep/samplers';
import { alive } from '../../../src/sweep/launcher';
import { irisWorkspace, REPO } from '../engine/fixtures';

const CLI = path.join(REPO, 'src', 'cli.ts');

const tiny = (yaml: string, epochs = 3) => yaml
  .replace(/^sweep:[\s\S]*$/m, '') // the example's own sweep (the last section): this test brings a tiny one
  .replace(/epochs: \d+/, `epochs: ${epochs}`)
  .replace(/^\s*earlyStopping:.*$/m, '')
  .replace(/backend: \w+/, 'backend: cpu')
  .replace('    - { type: dense, units: 16, activation: relu }\n    - { type: dense, units: 16, activation: relu }', '    - { type: dense, units: 4, activation: relu }')
  + `
sweep:
  method: random
  trials: 3
  parallel: 1
  metric: val_accuracy
  seed: 11
  parameters:
    train.optimizer.learningRate: { min: 0.001, max: 0.1, scale: log }
    model.layers.0.units: [2, 4, 8]
`;

function sweepCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'sweep', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const lines: string[] = [];
  let err = '';
  let buf = '';
  const listeners: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.trim()));
    for (const l of listeners) l();
  });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const events = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitFor = (pred: (e: Record<string, unknown>) => boolean) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const check = () => {
      const hit = events().find(pred);
      if (hit) resolve(hit);
    };
    listeners.push(check);
    check();
    void exited.then((code) => reject(new Error(`sweep exited (${code}) first; stderr:\n${err}\nstdout:\n${lines.join('\n')}`)));
  });
  return { child, lines, events, exited, waitFor, stderr: () => err };
}

test('sweep --json: killed (SIGKILL) and stopped (Ctrl-C) mid-way, --resume finishes without redoing a trial; the last line is the done summary', { timeout: 300_000 }, async () => {
  // 40 epochs a trial: Ctrl-C after trial 2's first epoch must land while it still trains (with 3, a
  // loaded machine let trial 2 finish before the stop reached it, and the sweep completed)
  const ws = irisWorkspace((y) => tiny(y, 40));
  const pids: number[] = [];
  try {
    const first = sweepCli([ws.modelFile, '--runs-dir', ws.runsDir, '--json']);
    const started = await first.waitFor((e) => e.event === 'sweepStarted');
    const sweepDir = started.sweep as string;
    // kill the sweep while trial 1 trains (trial 0 has finished)
    await first.waitFor((e) => e.event === 'trialEpoch' && e.trial === 1);
    first.child.kill('SIGKILL');
    await first.exited;
    // trial 1 (its own process) goes on without the sweep
    const run1 = path.join(sweepDir, 'trial-001', 'run.json');
    const orphan = JSON.parse(fs.readFileSync(run1, 'utf8')) as { pid: number };
    pids.push(orphan.pid);
    const before = await readSweepRecord(sweepDir);
    assert.equal(before.status, 'running', 'a killed sweep could not say it stopped');
    assert.equal(before.trials[0].status, 'completed');
    const trial0 = fs.readFileSync(path.join(sweepDir, 'trial-000', 'run.json'), 'utf8');

    // resume, then stop it with Ctrl-C while trial 2 trains: trial 2 is interrupted, the sweep stopped
    const second = sweepCli([ws.modelFile, '--runs-dir', ws.runsDir, '--resume', '--json']);
    await second.waitFor((e) => e.event === 'trialEpoch' && e.trial === 2);
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 130, second.stderr());
    const stopped = await readSweepRecord(sweepDir);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.trials[2].status, 'interrupted');
    assert.ok(!second.events().some((e) => e.event === 'trialStarted' && (e.trial === 0 || e.trial === 1)), 'trial 0 and 1 are not started again');

    // resume again: trial 2 continues in its own folder (train --resume) and the sweep completes
    const third = sweepCli([ws.modelFile, '--runs-dir', ws.runsDir, '--resume', '--json']);
    assert.equal(await third.exited, 0, third.stderr());
    const events = third.events();
    assert.ok(events.some((e) => e.event === 'trialStarted' && e.trial === 2 && e.resumed === true));
    const resumes = (JSON.parse(fs.readFileSync(path.join(sweepDir, 'trial-002', 'run.json'), 'utf8')) as { resumes?: unknown[] }).resumes;
    assert.ok(Array.isArray(resumes) && resumes.length === 1, `trial 2's run.json records its resume: ${JSON.stringify(resumes)}`);
    const resumed = events[0];
    assert.equal(resumed.event, 'sweepStarted');
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.sweep, sweepDir);
    const done = events[events.length - 1] as { event: string; sweep: string; best: { run: string; params: Record<string, unknown>; metrics: Record<string, number> }; trials: Array<{ run: string; params: Record<string, unknown>; status: string; objective: number }> };
    assert.equal(done.event, 'done');
    assert.equal(done.sweep, sweepDir);
    assert.deepEqual(Object.keys(done.best).sort(), ['metrics', 'params', 'run']);
    assert.equal(typeof done.best.metrics.val_accuracy, 'number');
    assert.equal(typeof done.best.metrics.accuracy, 'number', 'the test report numbers come with it');
    assert.equal(done.trials.length, 3);
    for (const t of done.trials) {
      assert.equal(t.status, 'completed');
      assert.equal(typeof t.objective, 'number');
      assert.ok(fs.existsSync(path.join(t.run, 'model', 'model.json')));
    }
    // nothing was run twice: no second folder for trial 0 or 1, and trial 0 untouched
    assert.deepEqual(fs.readdirSync(sweepDir).filter((n) => n.startsWith('trial-')).sort(), ['trial-000', 'trial-001', 'trial-002']);
    assert.equal(fs.readFileSync(path.join(sweepDir, 'trial-000', 'run.json'), 'utf8'), trial0);
    assert.ok(!events.some((e) => e.event === 'trialStarted' && (e.trial === 0 || e.trial === 1)));

    // the parameters are the seeded sequence: the same on every run of this file
    const { sweep } = await loadModelFileWithSweep(ws.modelFile);
    assert.ok(sweep);
    const rec = await readSweepRecord(sweepDir);
    rec.trials.forEach((t, i) => assert.deepEqual(t.params, randomParams(sweep, i)));
    // and each trial's spec.json holds its values
    const spec = JSON.parse(fs.readFileSync(path.join(sweepDir, 'trial-002', 'spec.json'), 'utf8')) as { train: { optimizer: { learningRate: number } }; model: { layers: Array<{ units: number }> } };
    assert.equal(spec.train.optimizer.learningRate, rec.trials[2].params['train.optimizer.learningRate']);
    assert.equal(spec.model.layers[0].units, rec.trials[2].params['model.layers.0.units']);
  } finally {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('sweep: a model file with a bad sweep parameter is FILE:LINE:COL on stderr and exit code 2', { timeout: 120_000 }, async () => {
  const ws = irisWorkspace((y) => tiny(y).replace('model.layers.0.units:', 'model.layers.0.unit:'));
  try {
    const r = sweepCli([ws.modelFile, '--runs-dir', ws.runsDir]);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr(), /iris\.model\.yaml:\d+:5: error: sweep parameter `model\.layers\.0\.unit` is not a field of this model file: .*did you mean `model\.layers\.0\.units`\?/);
    assert.ok(!fs.existsSync(ws.runsDir), 'nothing was created');
  } finally {
    fs.rmSync(ws.dir, { recursive: true, force: true });
  }
});
