/**
 * Fault injection: `model-studio train` killed with SIGKILL at moments drawn from a seeded generator (after
 * the k-th event it printed once the run started, plus 0–60 ms, so kills land between events too: mid-epoch,
 * mid-checkpoint, mid-final-save). After every kill the run folder must read back: run.json whole, every metrics.jsonl line
 * whole JSON, the run seen as crashed (or completed, when the kill came after the end), and every model
 * folder it holds (best checkpoint, final model) loading with finite weights. The same seed kills at the
 * same moments on every machine; change KILLS or SEED to widen the campaign.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { observedStatus, readRunRecord } from '../../src/engine/run';
import { loadSavedModel } from '../../src/engine/saved';
import { firstNonFiniteWeight } from '../../src/engine/train/nanGuard';
import { irisCsv, modelYaml } from './generators';
import { LAUNCH, workspace } from './harness';

const KILLS = 4;
const SEED = 12;
const EPOCHS = 6;

/** mulberry32: a small seeded generator, the same sequence everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Killed { runDir?: string; killed: boolean; lines: string[] }

/** Trains, and sends SIGKILL `delayMs` after the `afterLine`-th line of --json output past runStarted (or never, if it ends first). */
function trainAndKill(cwd: string, afterLine: number, delayMs: number): Promise<Killed> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LAUNCH, 'train', 'm.model.yaml', '--json', '--backend', 'cpu'], { cwd, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let armed = false;
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      const start = lines.findIndex((l) => l.includes('"runStarted"'));
      if (!armed && start >= 0 && lines.length - 1 - start >= afterLine) {
        armed = true;
        setTimeout(() => { killed = child.kill('SIGKILL') && child.exitCode === null; }, delayMs);
      }
    });
    child.on('exit', (_code, signal) => {
      const started = lines.map((l) => { try { return JSON.parse(l) as { event?: string; runDir?: string }; } catch { return {}; } }).find((o) => o.event === 'runStarted');
      resolve({ runDir: started?.runDir, killed: killed || signal === 'SIGKILL', lines });
    });
  });
}

async function assertLoads(dir: string): Promise<void> {
  const loaded = await loadSavedModel(dir, { backend: 'cpu' });
  assert.deepEqual(loaded.model.outputs[0].shape, [null, 3], dir);
  assert.equal(await firstNonFiniteWeight(loaded.tf, loaded.model), undefined, `${dir}: weights are numbers`);
  loaded.model.dispose();
}

test(`training killed at ${KILLS} seeded random moments leaves a readable run folder each time`, async (t) => {
  const ws = workspace('ms-hardening-faults-');
  try {
    ws.write('data.csv', irisCsv(150));
    ws.write('m.model.yaml', modelYaml({ layers: ['{ type: dense, units: 16, activation: relu }'] }).replace('epochs: 2', `epochs: ${EPOCHS}`));
    const next = rng(SEED);
    // After runStarted a run prints about 2 lines an epoch and a few more at its end.
    const span = EPOCHS * 2 + 3;
    const seen: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const afterLine = Math.floor(next() * span);
      const delayMs = Math.floor(next() * 60);
      const r = await trainAndKill(ws.root, afterLine, delayMs);
      const at = `kill ${k + 1} (after line ${afterLine} + ${delayMs} ms; ${r.lines.length} lines seen)`;
      if (!r.runDir) {
        assert.ok(r.killed, `${at}: no run folder, so it must have been killed before the run started`);
        seen.push('not started');
        continue;
      }
      const record = readRunRecord(r.runDir);
      const status = observedStatus(record);
      seen.push(status);
      t.diagnostic(`${at}: ${status}`);
      assert.ok(r.killed ? ['crashed', 'completed'].includes(status) : status === 'completed', `${at}: seen as ${status}`);
      const log = path.join(r.runDir, 'metrics.jsonl');
      if (existsSync(log)) {
        for (const [i, line] of readFileSync(log, 'utf8').split('\n').entries()) {
          if (line.trim()) assert.doesNotThrow(() => JSON.parse(line), `${at}: metrics.jsonl line ${i + 1} is whole`);
        }
      }
      const best = path.join(r.runDir, 'checkpoints', 'best');
      if (existsSync(path.join(best, 'model.json'))) await assertLoads(best);
      const model = path.join(r.runDir, 'model');
      if (existsSync(path.join(model, 'model.json'))) await assertLoads(model);
      if (status === 'completed') assert.ok(existsSync(path.join(model, 'model.json')), `${at}: a completed run has its model`);
      // A killed write may leave a temp file beside its target, never a torn target.
      for (const name of readdirSync(r.runDir).filter((f) => f.endsWith('.json'))) {
        assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(r.runDir as string, name), 'utf8')), `${at}: ${name} is whole`);
      }
    }
    assert.ok(seen.includes('crashed'), `at least one kill landed while training ran (seen: ${seen.join(', ')})`);
  } finally {
    ws.dispose();
  }
});
