import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SweepParam, SweepPlan } from '../../../src/modelFile';
import { gridParams, gridSize, randomParams, sampleParams, startupTrials, trialSeed, type Observation } from '../../../src/sweep/samplers';

const lr: SweepParam = { path: 'train.optimizer.learningRate', segments: ['train', 'optimizer', 'learningRate'], kind: 'range', min: 1e-4, max: 0.1, log: true, integer: false };
const batch: SweepParam = { path: 'train.batchSize', segments: ['train', 'batchSize'], kind: 'choice', values: [16, 32, 64] };
const units: SweepParam = { path: 'model.layers.0.units', segments: ['model', 'layers', 0, 'units'], kind: 'range', min: 4, max: 128, log: false, integer: true };
const rate: SweepParam = { path: 'model.layers.1.rate', segments: ['model', 'layers', 1, 'rate'], kind: 'range', min: 0, max: 0.5, log: false, integer: false, step: 0.1 };

const plan = (o: Partial<SweepPlan> = {}): SweepPlan => ({ method: 'random', trials: 40, parallel: 1, metric: 'val_loss', goal: 'minimize', seed: 7, parameters: [lr, batch, units, rate], epochs: 10, ...o });

test('same plan and seed → the same sequence; another seed → another; each trial independent of the others', () => {
  const a = Array.from({ length: 12 }, (_, i) => randomParams(plan(), i));
  const b = Array.from({ length: 12 }, (_, i) => randomParams(plan(), i));
  assert.deepEqual(a, b);
  const c = Array.from({ length: 12 }, (_, i) => randomParams(plan({ seed: 8 }), i));
  assert.notDeepEqual(a, c);
  // trial 5 alone is trial 5 of the sequence (a resumed sweep samples it the same way)
  assert.deepEqual(randomParams(plan(), 5), a[5]);
  assert.notEqual(trialSeed(0, 0), trialSeed(0, 1));
  assert.notEqual(trialSeed(1, 0), trialSeed(0, 1));
});

test('random values stay in their ranges, integers are integers, steps are kept, lists are sampled uniformly', () => {
  const counts = new Map<unknown, number>();
  const lrs: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const p = randomParams(plan(), i);
    const l = p['train.optimizer.learningRate'] as number;
    const u = p['model.layers.0.units'] as number;
    const r = p['model.layers.1.rate'] as number;
    assert.ok(l >= 1e-4 && l <= 0.1, `lr ${l}`);
    assert.ok(Number.isInteger(u) && u >= 4 && u <= 128, `units ${u}`);
    assert.ok([0, 0.1, 0.2, 0.3, 0.4, 0.5].includes(r), `rate ${r}`);
    counts.set(p['train.batchSize'], (counts.get(p['train.batchSize']) ?? 0) + 1);
    lrs.push(l);
  }
  for (const v of [16, 32, 64]) assert.ok(Math.abs((counts.get(v) ?? 0) / 3000 - 1 / 3) < 0.04, `batch ${v}: ${counts.get(v)}`);
  // log scale: as many draws below the geometric middle (~0.00316) as above it
  const below = lrs.filter((v) => v < Math.sqrt(1e-4 * 0.1)).length / lrs.length;
  assert.ok(Math.abs(below - 0.5) < 0.04, `fraction below the geometric mean: ${below}`);
  // both ends of an integer range are reachable
  const ends = new Set(Array.from({ length: 3000 }, (_, i) => randomParams(plan({ parameters: [{ ...units, min: 1, max: 3 }] }), i)['model.layers.0.units']));
  assert.deepEqual([...ends].sort(), [1, 2, 3]);
});

test('grid: every combination once, the last parameter fastest', () => {
  const g = plan({ method: 'grid', parameters: [batch, rate] });
  assert.equal(gridSize(g), 18);
  const all = Array.from({ length: 18 }, (_, i) => gridParams(g, i));
  assert.deepEqual(all[0], { 'train.batchSize': 16, 'model.layers.1.rate': 0 });
  assert.deepEqual(all[1], { 'train.batchSize': 16, 'model.layers.1.rate': 0.1 });
  assert.deepEqual(all[6], { 'train.batchSize': 32, 'model.layers.1.rate': 0 });
  assert.equal(new Set(all.map((p) => JSON.stringify(p))).size, 18);
  assert.deepEqual(sampleParams(g, 17), { 'train.batchSize': 64, 'model.layers.1.rate': 0.5 });
});

/** A synthetic objective: best at lr = 0.01 and 64 units, batch size 32. */
const objective = (p: Record<string, unknown>) => {
  const l = Math.log10(p['train.optimizer.learningRate'] as number) + 2;
  const u = ((p['model.layers.0.units'] as number) - 64) / 64;
  return l * l + u * u + (p['train.batchSize'] === 32 ? 0 : 0.3);
};

function search(method: 'random' | 'bayes', seed: number, n = 40): number[] {
  const p = plan({ method, seed, trials: n, parameters: [lr, batch, units] });
  const history: Observation[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const params = sampleParams(p, i, history);
    const v = objective(params);
    history.push({ params, objective: v });
    values.push(v);
  }
  return values;
}

test('bayes (TPE) learns: its later trials are better than random ones on a smooth objective', () => {
  const late = (vs: number[]) => vs.slice(20).reduce((a, b) => a + b, 0) / 20;
  let wins = 0;
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  for (const seed of seeds) if (late(search('bayes', seed)) < late(search('random', seed))) wins++;
  assert.ok(wins >= 7, `bayes beat random on ${wins} of ${seeds.length} seeds`);
  const bestOf = (vs: number[]) => Math.min(...vs);
  const medianBest = (m: 'random' | 'bayes') => seeds.map((s) => bestOf(search(m, s))).sort((a, b) => a - b)[4];
  assert.ok(medianBest('bayes') < medianBest('random'), `median best: bayes ${medianBest('bayes')}, random ${medianBest('random')}`);
});

test('bayes is deterministic given the same history, random before startupTrials, and its values stay valid', () => {
  const p = plan({ method: 'bayes', parameters: [lr, batch, units, rate] });
  assert.equal(startupTrials(p), 10);
  assert.deepEqual(sampleParams(p, 3, []), randomParams(p, 3));
  const history: Observation[] = Array.from({ length: 15 }, (_, i) => ({ params: randomParams(p, i), objective: objective(randomParams(p, i)) }));
  const a = sampleParams(p, 15, history);
  assert.deepEqual(sampleParams(p, 15, history), a);
  assert.deepEqual(sampleParams(p, 15, [...history].reverse()), a, 'the order of the history does not matter');
  for (let i = 15; i < 60; i++) {
    const s = sampleParams(p, i, history);
    assert.ok(Number.isInteger(s['model.layers.0.units']));
    assert.ok([16, 32, 64].includes(s['train.batchSize'] as number));
    assert.ok([0, 0.1, 0.2, 0.3, 0.4, 0.5].includes(s['model.layers.1.rate'] as number), String(s['model.layers.1.rate']));
    const l = s['train.optimizer.learningRate'] as number;
    assert.ok(l >= 1e-4 && l <= 0.1);
  }
  // maximize looks for the other end
  const up = plan({ method: 'bayes', goal: 'maximize', parameters: [batch] });
  const hist = Array.from({ length: 12 }, (_, i) => ({ params: { 'train.batchSize': [16, 32, 64][i % 3] }, objective: [16, 32, 64][i % 3] }));
  const picks = Array.from({ length: 30 }, (_, i) => sampleParams(up, 12 + i, hist)['train.batchSize']);
  assert.ok(picks.filter((v) => v === 64).length > 15, `picks: ${picks.join(',')}`);
});
