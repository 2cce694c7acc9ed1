/**
 * The streamed pipeline: rows kept in memory or in a disk store give the same preprocessing and the
 * same samples; statistics equal the exact ones; batches cross read boundaries; a disk epoch visits
 * every sample once, in a seeded order, through a bounded shuffle buffer.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepareTable } from '../../../src/engine/data';
import { createRng } from '../../../src/engine/data/split';
import type { PreparedData, SplitData } from '../../../src/engine/data/types';
import type { ModelSpecFile } from '../../../src/modelFile/schema';
import { ROOT } from './helpers';

/** 2,000 rows: two numeric columns (one with a large offset and missing values), a category, a boolean. */
function table(rows = 2000): string {
  const rng = createRng(9);
  const lines = ['a,big,kind,flag,y'];
  for (let i = 0; i < rows; i++) {
    const a = rng.normal() * 3 + 1;
    const big = 1.6e9 + Math.floor(rng.next() * 1e6);
    const kind = ['p', 'q', 'r', 's'][rng.int(4)];
    const flag = rng.next() < 0.3 ? 'yes' : 'no';
    const y = a + (kind === 'q' ? 2 : 0) > 1.5 ? 'up' : 'down';
    lines.push(`${i % 37 === 0 ? '' : a.toFixed(6)},${i % 53 === 0 ? 'NA' : big},${kind},${flag},${y}`);
  }
  return `${lines.join('\n')}\n`;
}

const spec = (missing = 'mean') => ({
  name: 's', task: 'classification',
  data: { source: 's.csv', label: 'y', preprocess: { missing, numeric: 'standardize', categorical: 'onehot' }, split: { validation: 0.15, test: 0.15, seed: 3, stratify: true } },
}) as unknown as ModelSpecFile;

async function all(split: SplitData): Promise<{ x: number[]; y: number[] }> {
  const idx = Array.from({ length: split.n }, (_, i) => i);
  const b = await split.batch(idx);
  return { x: Array.from(b.x), y: Array.from(b.y) };
}

test('memory and disk stores: identical preprocessing and identical samples in every split', async () => {
  const text = table();
  const file = path.join(ROOT, 's.csv');
  for (const missing of ['mean', 'median', 'drop']) {
    const memory = await prepareTable(spec(missing), text, file, { workspaceRoot: ROOT, storage: 'memory', batchRows: 128, chunkBytes: 4096 });
    const disk = await prepareTable(spec(missing), text, file, { workspaceRoot: ROOT, storage: 'disk', blockRows: 100 });
    try {
      assert.deepEqual(disk.preprocessing, memory.preprocessing, missing);
      assert.deepEqual(disk.info, memory.info, missing);
      for (const s of ['train', 'validation', 'test'] as const) assert.deepEqual(await all(disk[s]), await all(memory[s]), `${missing} ${s}`);
    } finally {
      await disk.dispose?.();
      await memory.dispose?.();
    }
  }
});

test('streaming statistics equal the exact ones (mean and std to 1e-9 relative)', async () => {
  const text = table();
  const p = await prepareTable(spec(), text, path.join(ROOT, 's.csv'), { workspaceRoot: ROOT, batchRows: 100 });
  const raw = await p.train.raw!(Array.from({ length: p.train.n }, (_, i) => i));
  for (const name of ['a', 'big']) {
    const xs = raw.map((r) => Number(r[name])).filter((v, i) => String(raw[i][name]).trim() !== '' && raw[i][name] !== 'NA' && Number.isFinite(v));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length);
    const t = p.preprocessing.features.find((f) => f.name === name) as { center: number; divisor: number };
    assert.ok(Math.abs(t.center - mean) <= 1e-9 * Math.abs(mean), `${name} mean ${t.center} vs ${mean}`);
    assert.ok(Math.abs(t.divisor - std) <= 1e-9 * std, `${name} std ${t.divisor} vs ${std}`);
  }
});

async function epochOrder(p: PreparedData, seed: number, batchSize: number): Promise<number[]> {
  const rng = createRng(seed);
  const reader = p.train.epoch({ batchSize, shuffle: true, rng: () => rng.next() });
  const ys: number[] = [];
  const firstX: number[] = [];
  for (let b = await reader.next(); b; b = await reader.next()) {
    assert.ok(b.n <= batchSize);
    for (let k = 0; k < b.n; k++) { ys.push(b.y[k]); firstX.push(b.x[k * p.preprocessing.inputShape[0]]); }
  }
  await reader.close();
  return firstX;
}

test('a disk epoch yields every sample once, shuffled across blocks, the same order for the same seed', async () => {
  const p = await prepareTable(spec(), table(6000), path.join(ROOT, 's.csv'), { workspaceRoot: ROOT, storage: 'disk', blockRows: 256 });
  try {
    const inOrder = (await all(p.train)).x;
    const width = p.preprocessing.inputShape[0];
    const expected = inOrder.filter((_, i) => i % width === 0).sort((a, b) => a - b);
    const one = await epochOrder(p, 1, 100);
    assert.deepEqual([...one].sort((a, b) => a - b), expected, 'each sample exactly once');
    assert.deepEqual(await epochOrder(p, 1, 100), one, 'same seed, same order');
    assert.notDeepEqual(await epochOrder(p, 2, 100), one, 'another seed, another order');
    // shuffled well beyond one block: the first 100 samples come from all over the split
    const position = new Map(inOrder.filter((_, i) => i % width === 0).map((v, i) => [v, i]));
    const spread = one.slice(0, 100).map((v) => position.get(v) as number);
    assert.ok(Math.max(...spread) - Math.min(...spread) > p.train.n / 2, `first batch spans rows ${Math.min(...spread)}–${Math.max(...spread)}`);
  } finally {
    await p.dispose?.();
  }
});

test('a resumed epoch (skip) continues with exactly the samples an uninterrupted one yields next, memory and disk', async () => {
  for (const storage of ['memory', 'disk'] as const) {
    const p = await prepareTable(spec(), table(3000), path.join(ROOT, 's.csv'), { workspaceRoot: ROOT, storage, blockRows: 128 });
    try {
      const read = async (skip: number) => {
        const rng = createRng(4);
        const reader = p.train.epoch({ batchSize: 50, shuffle: true, rng: () => rng.next(), skip });
        const out: number[] = [];
        for (let b = await reader.next(); b; b = await reader.next()) out.push(...Array.from(b.x.subarray(0, b.n * p.preprocessing.inputShape[0])));
        await reader.close();
        return out;
      };
      const whole = await read(0);
      const width = p.preprocessing.inputShape[0];
      assert.deepEqual(await read(350), whole.slice(350 * width), storage);
    } finally {
      await p.dispose?.();
    }
  }
});
