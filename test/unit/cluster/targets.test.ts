import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveTarget, targetsJsonSchema, validateTargetsText } from '../../../src/cluster/targets';
import { formatProblem } from '../../../src/modelFile/problems';

const check = (text: string) => validateTargetsText(text, 'targets.yaml');
const messages = (text: string) => check(text).problems.map(formatProblem);

test('a good targets file: every field of the issue, defaults untouched', () => {
  const r = check(`targets:
  gpu-cluster:
    type: slurm
    partition: gpu
    gres: gpu:1
    cpusPerTask: 8
    mem: 32G
    time: "04:00:00"
    account: myproject
    setup: module load cuda/12.2
    command: model-studio
  small: { type: slurm, time: 90, mem: 4000, sbatchArgs: ["--exclusive"], pollSeconds: 10 }
`);
  assert.deepEqual(r.problems, []);
  assert.equal(r.targets?.['gpu-cluster'].gres, 'gpu:1');
  assert.equal(r.targets?.small.time, 90);
});

test('typos and bad values: FILE:LINE:COL, the field, what is allowed, did you mean', () => {
  assert.deepEqual(messages('targets:\n  gpu:\n    type: slurm\n    partiton: gpu\n'), [
    'targets.yaml:4:5: error: unknown key `partiton` in `targets.gpu`; did you mean `partition`? Allowed: type, partition, gres, cpusPerTask, mem, time, account, qos, constraint, setup, command, sbatchArgs, pollSeconds.',
  ]);
  const bad = messages('targets:\n  gpu:\n    type: slurm\n    mem: 32 GB\n    time: 4h\n    cpusPerTask: 0\n    gres: "1 gpu"\n    sbatchArgs: [exclusive]\n');
  assert.equal(bad.length, 5);
  assert.match(bad[0], /^targets\.yaml:4:10: error: `targets\.gpu\.mem` must be a size as sbatch --mem takes it/);
  assert.match(bad[1], /^targets\.yaml:5:11: error: `targets\.gpu\.time` must be a time limit as sbatch --time takes it: minutes, `MM:SS`, `HH:MM:SS`/);
  assert.match(bad[2], /^targets\.yaml:6:18: error: `targets\.gpu\.cpusPerTask` must be an integer ≥ 1/);
  assert.match(bad[3], /`targets\.gpu\.gres` must be generic resources as sbatch --gres takes them/);
  assert.match(bad[4], /`targets\.gpu\.sbatchArgs\[0\]` must be an sbatch option starting with `-`/);
  assert.match(messages('targets:\n  gpu:\n    partition: gpu\n')[0], /^targets\.yaml:2:3: error: `targets\.gpu\.type` is required: `slurm`/);
  assert.match(messages('target:\n  gpu: {type: slurm}\n')[0], /unknown key `target` at the top level; did you mean `targets`\?/);
  assert.match(messages('targets:\n  local: {type: slurm}\n')[0], /^targets\.yaml:2:3: error: `local` is this machine and is always there/);
  assert.deepEqual(messages('targets:\n  "my cluster": {type: slurm}\n').length, 1);
  assert.match(messages('targets:\n  "my cluster": {type: slurm}\n')[0], /target name 'my cluster': use letters, digits/);
  assert.match(messages('')[0], /the targets file is empty/);
  assert.match(messages('- a\n- b\n')[0], /a targets file is a mapping with one key, `targets:`/);
  assert.match(messages('targets:\n  gpu: {type: slurm\n')[0], /^targets\.yaml:\d+:\d+: error: /);
});

test('resolveTarget: the target, or what to do (no file; unknown name with did you mean)', async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-targets-'));
  await assert.rejects(resolveTarget(ws, 'gpu'), (err: Error & { problems?: Array<{ message: string; file: string }> }) => {
    assert.equal(err.name, 'SpecError');
    assert.equal(err.problems?.[0].file, path.join(ws, '.model-studio', 'targets.yaml'));
    assert.match(err.problems?.[0].message ?? '', /no targets file: target 'gpu' would be defined in/);
    return true;
  });
  fs.mkdirSync(path.join(ws, '.model-studio'));
  fs.writeFileSync(path.join(ws, '.model-studio', 'targets.yaml'), 'targets:\n  gpu-cluster: {type: slurm, partition: gpu}\n');
  assert.equal((await resolveTarget(ws, 'gpu-cluster')).target.partition, 'gpu');
  await assert.rejects(resolveTarget(ws, 'gpu-clustr'), /no target named 'gpu-clustr'; did you mean `gpu-cluster`\? Targets in this file: gpu-cluster \(and local, this machine\)/);
  fs.writeFileSync(path.join(ws, '.model-studio', 'targets.yaml'), 'targets:\n  gpu: {type: slurm, partiton: gpu}\n');
  await assert.rejects(resolveTarget(ws, 'gpu'), /targets\.yaml:2:22: error: unknown key `partiton`/);
});

test('schemas/targets.schema.json is current (regenerated when stale: commit the new file)', () => {
  const file = path.resolve(__dirname, '../../../schemas/targets.schema.json');
  const current = `${JSON.stringify(targetsJsonSchema(), null, 2)}\n`;
  const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (committed !== current) {
    fs.writeFileSync(file, current);
    assert.fail(`${file} was stale and has been regenerated from src/cluster/targets.ts; commit it`);
  }
});

test('model-studio validate checks a targets file as one (FILE:LINE:COL), beside model files', async () => {
  const { run } = await import('../../../src/cli/validate');
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-targets-'));
  fs.mkdirSync(path.join(ws, '.model-studio'));
  const file = path.join(ws, '.model-studio', 'targets.yaml');
  fs.writeFileSync(file, 'targets:\n  x:\n    type: slurm\n    tme: 5\n');
  let out = '';
  const io = { out: (t: string) => { out += t; }, err: (t: string) => { out += t; } };
  assert.equal(await run([file], io), 1);
  assert.match(out, /targets\.yaml:4:5: error: unknown key `tme` in `targets\.x`; did you mean `time`\?/);
  fs.writeFileSync(file, 'targets:\n  x: { type: slurm, time: 5 }\n');
  out = '';
  assert.equal(await run([file], io), 0);
  assert.match(out, /targets\.yaml: ok/);
});
