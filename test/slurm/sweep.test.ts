/**
 * A sweep on the target: its trials are one job array in squeue, at most `parallel` of them running (the rest
 * pending with JobArrayTaskLimit), and its results table equals the same sweep's run locally.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cli, last, until, workspace } from './helpers';

const SWEEP = `
sweep:
  method: random
  trials: 4
  parallel: 2
  metric: val_loss
  seed: 5
  parameters:
    train.optimizer.learningRate: { min: 0.001, max: 0.1, scale: log }
    model.layers.0.units: [8, 16]
`;

test('a 4-trial sweep runs as one job array, 2 at a time, and its results equal the local sweep\'s', { timeout: 300_000 }, async () => {
  const ws = workspace(25, 'swept');
  fs.appendFileSync(ws.model, SWEEP);
  const remote = cli(['sweep', ws.model, '--target', 'debug', '--json'], ws.dir);
  // watch the queue while the sweep runs: one array id, never more than 2 tasks running
  const arrays = new Set<string>();
  let mostRunning = 0;
  let held = false;
  let done = false;
  void remote.exited.then(() => { done = true; });
  await until('the sweep to end', () => {
    const q = spawnSync('squeue', ['-h', '-r', '-n', 'ms-sweep-swept', '-o', '%F|%K|%T|%r'], { encoding: 'utf8' }).stdout;
    const rows = q.split('\n').filter(Boolean).map((l) => l.split('|'));
    for (const [array] of rows) arrays.add(array);
    mostRunning = Math.max(mostRunning, rows.filter((r) => r[2] === 'RUNNING').length);
    held ||= rows.some((r) => r[2] === 'PENDING' && r[3] === 'JobArrayTaskLimit');
    return done;
  }, 280_000, 250);
  assert.equal(await remote.exited, 0, remote.stderr());
  assert.equal(arrays.size, 1, `one job array (saw ${[...arrays].join(', ')})`);
  assert.ok(mostRunning <= 2, `${mostRunning} tasks ran at once; the limit is 2`);
  assert.ok(held, 'tasks beyond the limit wait with JobArrayTaskLimit');

  const local = cli(['sweep', ws.model, '--json'], ws.dir);
  assert.equal(await local.exited, 0, local.stderr());
  const table = (c: typeof local) => (last(c).trials as Array<Record<string, unknown>>).map((t) => [t.trial, t.params, t.status, t.objective]);
  assert.deepEqual(table(remote), table(local));
  assert.deepEqual((last(remote).best as Record<string, unknown>).params, (last(local).best as Record<string, unknown>).params);
  for (const t of last(remote).trials as Array<Record<string, unknown>>) {
    const record = JSON.parse(fs.readFileSync(`${String(t.run)}/run.json`, 'utf8')) as { target: string; slurm: { jobId: string; arrayTaskId: number; state: string } };
    assert.equal(record.target, 'debug');
    assert.equal(record.slurm.jobId, [...arrays][0]);
    assert.equal(record.slurm.arrayTaskId, t.trial);
    assert.equal(record.slurm.state, 'COMPLETED');
  }
});
