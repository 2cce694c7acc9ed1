/**
 * The command line as npm users get it: the tarball `npm run package` packed, installed offline into an
 * empty folder (it bundles its dependencies; the optional ones are skipped offline), then
 * `npx model-studio train` on the iris example copied there.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OUT_DIR } from '../../scripts/package';

const REPO = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };

test('npm tarball: installs offline into an empty folder; npx model-studio trains the iris example', () => {
  const tarball = path.join(REPO, OUT_DIR, `${pkg.name}-${pkg.version}.tgz`);
  assert.ok(fs.existsSync(tarball), `${path.relative(REPO, tarball)} is missing: run \`npm run package\` first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-studio-npm-'));
  // npm's own settings only: no registry is reachable, and nothing of the checkout may leak in
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', NODE_OPTIONS: '' };
  for (const k of Object.keys(env)) if (/^npm_(package|lifecycle)_/.test(k)) delete env[k];
  try {
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "try-model-studio", "private": true }\n');
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
    assert.equal(install.status, 0, `npm install failed:\n${install.stdout}${install.stderr}`);
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', pkg.name, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(installed.dependencies, undefined, 'the npm package should bundle its dependencies');

    const version = spawnSync('npx', ['--offline', 'model-studio', '--version'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), pkg.version);

    fs.cpSync(path.join(REPO, 'examples', 'iris'), path.join(dir, 'iris'), { recursive: true });
    const train = spawnSync('npx', ['--offline', 'model-studio', 'train', 'iris/iris.model.yaml', '--json'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(train.status, 0, `train failed:\n${train.stderr}\n${train.stdout.slice(-2000)}`);
    const lines = train.stdout.split('\n').filter((l) => l.trim());
    const done = JSON.parse(lines[lines.length - 1]) as { event: string; status: string; run: string; backend: string; metrics: Record<string, number> };
    assert.equal(done.event, 'done');
    assert.equal(done.status, 'completed');
    assert.ok(['wasm', 'cpu'].includes(done.backend), `backend ${done.backend}`);
    assert.ok(done.metrics.accuracy >= 0.9, `test accuracy ${done.metrics.accuracy}`);
    const runDir = path.resolve(dir, done.run);
    assert.ok(runDir.startsWith(path.join(dir, 'runs', 'iris')), `the run folder is ${runDir}`);
    for (const f of ['run.json', 'metrics.jsonl', 'report.json', 'model/model.json', 'model/weights.bin', 'model/preprocessing.json']) {
      assert.ok(fs.existsSync(path.join(runDir, f)), `${f} is missing in ${runDir}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
