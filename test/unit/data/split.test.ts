import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { createRng, splitIndices } from '../../../src/engine/data/split';

test('createRng: same seed, same sequence; known first values pin the algorithm across machines', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => createRng(43).next()));
  for (const x of xs) assert.ok(x >= 0 && x < 1);
  // Pinned: if these change, every split and shuffle changes for every user.
  const pinned = createRng(42);
  assert.deepEqual(Array.from({ length: 3 }, () => Math.round(pinned.next() * 1e9)), PINNED_42);
});
const PINNED_42 = [481316091, 985253633, 737917190];

test('createRng: int, shuffle, normal', () => {
  const r = createRng(1);
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[r.int(3)]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `roughly uniform: ${counts}`);
  const s = createRng(7).shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...s].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(s, createRng(7).shuffle([1, 2, 3, 4, 5, 6, 7, 8]));
  const g = createRng(3);
  const zs = Array.from({ length: 4000 }, () => g.normal());
  const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
  const sd = Math.sqrt(zs.reduce((a, b) => a + (b - mean) ** 2, 0) / zs.length);
  assert.ok(Math.abs(mean) < 0.06 && Math.abs(sd - 1) < 0.06, `mean ${mean} sd ${sd}`);
});

test('splitIndices: sizes, a partition, deterministic per seed', () => {
  const s = splitIndices(100, { validation: 0.15, test: 0.2, seed: 42 });
  assert.equal(s.test.length, 20);
  assert.equal(s.validation.length, 15);
  assert.equal(s.train.length, 65);
  const all = [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(splitIndices(100, { validation: 0.15, test: 0.2, seed: 42 }), s);
  assert.notDeepEqual(splitIndices(100, { validation: 0.15, test: 0.2, seed: 7 }).test, s.test);
  for (const part of [s.train, s.validation, s.test]) assert.deepEqual(part, [...part].sort((a, b) => a - b));
});

test('splitIndices: stratified keeps class proportions in every split', () => {
  const labels = Array.from({ length: 200 }, (_, i) => (i < 140 ? 'a' : i < 180 ? 'b' : 'c'));
  const s = splitIndices(200, { validation: 0.1, test: 0.2, seed: 5, stratify: true, labels });
  const count = (idx: number[], c: string) => idx.filter((i) => labels[i] === c).length;
  assert.equal(s.test.length, 40);
  assert.equal(s.validation.length, 20);
  assert.deepEqual([count(s.test, 'a'), count(s.test, 'b'), count(s.test, 'c')], [28, 8, 4]);
  assert.deepEqual([count(s.validation, 'a'), count(s.validation, 'b'), count(s.validation, 'c')], [14, 4, 2]);
  // the order rows come in does not change which rows of a class are taken, only the seed does
  assert.deepEqual(splitIndices(200, { validation: 0.1, test: 0.2, seed: 5, stratify: true, labels }), s);
});

test('splitIndices: stratified with uneven classes keeps totals and one training row per class', () => {
  const labels = ['x', 'y', 'y', 'z', 'z', 'z', 'z', 'z', 'z', 'z'];
  const s = splitIndices(10, { validation: 0.2, test: 0.3, seed: 1, stratify: true, labels });
  assert.equal(s.test.length, 3);
  assert.equal(s.validation.length, 2);
  for (const c of ['x', 'y', 'z']) assert.ok(s.train.some((i) => labels[i] === c), `class ${c} in train`);
});

test('splitIndices: shuffle false is contiguous; tiny inputs keep a training row; bad fractions throw', () => {
  assert.deepEqual(splitIndices(10, { validation: 0.2, test: 0.2, seed: 1, shuffle: false }), {
    train: [0, 1, 2, 3, 4, 5], validation: [6, 7], test: [8, 9],
  });
  const tiny = splitIndices(2, { validation: 0.5, test: 0.49, seed: 1 });
  assert.equal(tiny.train.length, 1);
  assert.throws(() => splitIndices(10, { validation: 0.6, test: 0.5, seed: 1 }), /validation \+ test < 1/);
});
