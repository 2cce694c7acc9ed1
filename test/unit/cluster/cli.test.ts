import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { irisWorkspace, REPO } from '../engine/fixtures';

const run = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli.ts'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...env, NODE_OPTIONS: '' }, timeout: 120_000 });

test('train --target: usage errors, a target file with a typo, no sbatch on PATH — each exits 2 with what to do, and makes no run folder', () => {
  const ws = irisWorkspace();
  const both = run(['train', '--resume', ws.dir, '--target', 'gpu']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--target submits a new run; --resume and --run-dir work on a run folder where it is/);
  const detach = run(['train', ws.modelFile, '--detach']);
  assert.equal(detach.status, 2);
  assert.match(detach.stderr, /--detach goes with --target NAME/);

  fs.mkdirSync(path.join(ws.dir, '.model-studio'));
  fs.writeFileSync(path.join(ws.dir, '.model-studio', 'targets.yaml'), 'targets:\n  gpu:\n    type: slurm\n    partiton: gpu\n');
  const typo = run(['train', ws.modelFile, '--target', 'gpu', '--workspace', ws.dir]);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /targets\.yaml:4:5: error: unknown key `partiton` in `targets\.gpu`; did you mean `partition`\?/);

  fs.writeFileSync(path.join(ws.dir, '.model-studio', 'targets.yaml'), 'targets:\n  gpu: { type: slurm, partition: gpu }\n');
  const bin = path.join(ws.dir, 'nobin');
  fs.mkdirSync(bin);
  const noSbatch = run(['train', ws.modelFile, '--target', 'gpu', '--workspace', ws.dir, '--runs-dir', ws.runsDir], { ...process.env, PATH: `${bin}` });
  assert.equal(noSbatch.status, 2, noSbatch.stderr);
  assert.match(noSbatch.stderr, /target 'gpu': sbatch is not on PATH/);
  assert.equal(fs.existsSync(path.join(ws.runsDir, 'iris')), false, 'nothing half-created');
});
