/**
 * The disk cache: a later run reuses the stored rows; a changed data file (content or size) or a changed
 * data section rebuilds them; touching the file without changing it keeps them; clear deletes them.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepareData } from '../../../src/engine/data';
import { clearCache, listEntries } from '../../../src/engine/data/cache';
import type { PreparedData } from '../../../src/engine/data/types';
import type { ModelSpecFile } from '../../../src/modelFile/schema';

const csv = (rows: number, shift = 0) => `x,c,y\n${Array.from({ length: rows }, (_, i) => `${(i * 7) % 50 + shift},${'pqr'[i % 3]},${i % 2 ? 'a' : 'b'}`).join('\n')}\n`;
const spec = (numeric = 'standardize') => ({
  name: 'c', task: 'classification',
  data: { source: 'd.csv', label: 'y', preprocess: { numeric }, split: { validation: 0.2, test: 0.2, seed: 2 } },
}) as unknown as ModelSpecFile;

async function all(p: PreparedData): Promise<number[]> {
  return Array.from((await p.train.batch(Array.from({ length: p.train.n }, (_, i) => i))).x);
}

test('the disk cache is reused, rebuilt when the data or the data section changes, and cleared', async () => {
  const ws = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ms-cache-')));
  const cacheDir = path.join(ws, 'cache');
  const model = path.join(ws, 'm.model.yaml');
  const opts = { workspaceRoot: ws, storage: 'disk' as const, cacheDir, blockRows: 16 };
  const use = async (s: ModelSpecFile) => {
    const p = await prepareData(s, model, opts);
    const out = { reused: p.cache?.reused, x: await all(p), prep: p.preprocessing, raw: await p.test.raw!([0]) };
    await p.dispose?.();
    return out;
  };
  try {
    await fs.writeFile(path.join(ws, 'd.csv'), csv(200));
    const first = await use(spec());
    assert.equal(first.reused, false);
    const second = await use(spec());
    assert.equal(second.reused, true, 'the same file and data section reuse the stored rows');
    assert.deepEqual(second.x, first.x);
    assert.deepEqual(second.prep, first.prep);
    assert.deepEqual(second.raw, first.raw, 'report examples still come from the data file');
    assert.equal((await listEntries(cacheDir)).length, 1);

    // touched, same bytes: still reused
    const later = new Date(Date.now() + 5000);
    await fs.utimes(path.join(ws, 'd.csv'), later, later);
    assert.equal((await use(spec())).reused, true);

    // another preprocessing: another entry, fitted anew
    const minmax = await use(spec('minmax'));
    assert.equal(minmax.reused, false);
    assert.notDeepEqual(minmax.prep, first.prep);
    assert.equal((await listEntries(cacheDir)).length, 2);

    // same size, other bytes: rebuilt
    await fs.writeFile(path.join(ws, 'd.csv'), csv(200, 1).replace(/^x,/, 'x,'));
    assert.equal((await fs.stat(path.join(ws, 'd.csv'))).size, Buffer.byteLength(csv(200, 1)));
    const changed = await use(spec());
    assert.equal(changed.reused, false);
    assert.notDeepEqual(changed.prep, first.prep);
    // more rows: rebuilt
    await fs.writeFile(path.join(ws, 'd.csv'), csv(260));
    const grown = await use(spec());
    assert.equal(grown.reused, false);
    assert.equal((await use(spec())).reused, true);

    const freed = await clearCache(cacheDir);
    assert.ok(freed > 0);
    assert.deepEqual(await listEntries(cacheDir), []);
    assert.equal((await use(spec())).reused, false, 'after clear the rows are read again');
    // without the cache nothing is read from it or written to it
    const none = await prepareData(spec(), model, { ...opts, cache: false });
    assert.equal(none.cache, undefined);
    await none.dispose?.();
  } finally {
    await fs.rm(ws, { recursive: true, force: true });
  }
});
