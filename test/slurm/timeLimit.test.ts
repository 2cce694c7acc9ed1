/**
 * A job past its time limit (SLURM's shortest is one minute, and it checks limits every ~30 s): the run
 * is marked failed with SLURM's reason and keeps its best and resumable checkpoints. Its own file, so it
 * waits beside the other cluster tests rather than after them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, last, readJson, workspace } from './helpers';

test('a job that hits its time limit is marked failed with the reason and keeps its checkpoints', { timeout: 240_000 }, async () => {
  const ws = workspace(100_000, 'slow');
  const run = cli(['train', ws.model, '--target', 'short', '--json'], ws.dir);
  assert.equal(await run.exited, 1, run.stderr());
  const done = last(run);
  assert.equal(done.status, 'failed');
  assert.match(String(done.error), /^SLURM ended job \d+ at its time limit \(00:01:00\); its best checkpoint and resume checkpoint are kept/);
  const runDir = String(done.run);
  const record = readJson(path.join(runDir, 'run.json'));
  assert.equal(record.status, 'failed');
  assert.match(String((record.error as Record<string, unknown>).message), /time limit/);
  assert.equal((record.slurm as Record<string, unknown>).state, 'TIMEOUT');
  for (const f of ['checkpoints/best/weights.bin', 'checkpoints/resume/state.json']) assert.ok(fs.existsSync(path.join(runDir, f)), f);
  assert.ok(run.events().some((e) => e.event === 'error' && /time limit/.test(String(e.message))));
});
