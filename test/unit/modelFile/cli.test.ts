/** `model-studio validate` as a user runs it: output lines and exit codes. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { run } from '../../../src/cli/validate';
import { FIXTURES } from './helpers';

const REPO = path.resolve(__dirname, '../../..');

interface Result { code: number | null; stdout: string; stderr: string }

/** The real command in a child process (`node --import tsx src/cli.ts validate …`). */
function spawnCli(...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli.ts'), 'validate', ...args], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same command in this process, output captured (a child process costs seconds on a busy machine). */
async function runCli(...args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

const rel = (f: string) => path.relative(REPO, path.join(FIXTURES, f));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the real command: exit 0 when valid, 1 with problems (a missing file is one), 2 on usage errors', async () => {
  const [valid, invalid, usage] = await Promise.all([
    spawnCli(rel('valid.model.yaml'), rel('valid.model.json')),
    spawnCli(rel('misspelt.model.yaml'), rel('valid.model.yaml'), 'no/such.model.yaml'),
    spawnCli(),
  ]);
  assert.equal(valid.code, 0, valid.stdout + valid.stderr);
  assert.equal(valid.stdout, `${rel('valid.model.yaml')}: ok\n${rel('valid.model.json')}: ok\n`);

  assert.equal(invalid.code, 1, invalid.stderr);
  const lines = invalid.stdout.trim().split('\n');
  assert.match(lines[0], new RegExp(`^${escape(rel('misspelt.model.yaml'))}:7:3: error: unknown key \`epoch\` in \`train\`; did you mean \`epochs\`\\?`));
  assert.ok(lines.includes(`${rel('valid.model.yaml')}: ok`));
  assert.ok(lines.includes('no/such.model.yaml:1:1: error: the file does not exist'), invalid.stdout);
  assert.equal(invalid.stderr, '');

  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /no model file given/);
});

test('--json prints the problems as JSON', async () => {
  const r = await runCli('--json', rel('misspelt.model.yaml'));
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { ok: boolean; files: Array<{ file: string; ok: boolean; problems: Array<{ line: number; column: number; path: string }> }> };
  assert.equal(out.ok, false);
  assert.equal(out.files[0].problems[0].path, 'train.epoch');
  assert.equal(out.files[0].problems[0].line, 7);
});

test('warnings print but do not fail; --no-data skips the data checks', async () => {
  const r = await runCli(rel('warnings.model.yaml'));
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stdout, `${rel('warnings.model.yaml')}:8:28: warning: \`train.optimizer.momentum\` has no effect with \`adam\`; it applies to momentum, rmsprop.\n${rel('warnings.model.yaml')}: ok (1 warning)\n`);
  const noData = await runCli('--no-data', rel('missing-data.model.yaml'));
  assert.equal(noData.code, 0, noData.stdout);
  const data = await runCli(rel('missing-data.model.yaml'));
  assert.equal(data.code, 1);
  assert.match(data.stdout, /missing-data.model.yaml:5:11: error: `data.source` data\/missing.csv does not exist/);
  const withData = await runCli(rel('valid.model.yaml'), '--workspace', path.join(FIXTURES, 'malformed'));
  assert.equal(withData.code, 1);
  assert.match(withData.stdout, /points outside the workspace/);
});

test('usage errors exit 2; --help exits 0', async () => {
  const bad = await runCli('--frobnicate', rel('valid.model.yaml'));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown option '--frobnicate'/);
  const noWorkspace = await runCli(rel('valid.model.yaml'), '--workspace');
  assert.equal(noWorkspace.code, 2);
  const help = await runCli('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: model-studio validate FILE/);
});
