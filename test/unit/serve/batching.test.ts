/** The batcher merges concurrent requests into one model call and splits the answers back. */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSavedModel } from '../../../src/engine/saved';
import { predictRecords } from '../../../src/engine/predict';
import { Batcher } from '../../../src/serve/batcher';
import { startServer, type RunningServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { IRIS_PREP, saveTinyModel, tempDir } from './fixtures';

/** A fake model: output row = 2 × the first input of the row; records every call's row count. */
function fakeModel(width: number) {
  const calls: number[] = [];
  const predict = async (x: Float32Array, n: number): Promise<Float32Array> => {
    calls.push(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = 2 * x[i * width];
    return y;
  };
  return { calls, predict };
}

describe('serve: batching', () => {
  it('requests queued together run as one call, each getting its own rows', async () => {
    const m = fakeModel(3);
    const b = new Batcher(3, m.predict, { maxWaitMs: 5, maxBatch: 100 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => b.run(new Float32Array([i, 0, 0, i + 100, 0, 0]), 2)));
    assert.deepEqual(m.calls, [20]);
    results.forEach((y, i) => assert.deepEqual(Array.from(y), [2 * i, 2 * (i + 100)]));
  });

  it('a batch never exceeds maxBatch rows (a single larger request runs alone)', async () => {
    const m = fakeModel(1);
    const b = new Batcher(1, m.predict, { maxWaitMs: 5, maxBatch: 64 });
    const sizes = [30, 30, 30, 100, 10, 64, 1];
    const results = await Promise.all(sizes.map((n, i) => b.run(new Float32Array(n).fill(i), n)));
    for (const n of m.calls) assert.ok(n <= 64 || n === 100, `batch of ${n}`);
    assert.ok(m.calls.includes(100));
    assert.equal(m.calls.reduce((a, c) => a + c, 0), sizes.reduce((a, c) => a + c, 0));
    results.forEach((y, i) => assert.deepEqual(Array.from(y), new Array(sizes[i]).fill(2 * i)));
  });

  it('a failing model call rejects every request of that batch, and the next batch runs', async () => {
    let fail = true;
    const b = new Batcher(1, async (x, n) => { if (fail) throw new Error('boom'); return x.slice(0, n); }, { maxWaitMs: 1 });
    const failed = await Promise.allSettled([b.run(new Float32Array([1]), 1), b.run(new Float32Array([2]), 1)]);
    assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
    fail = false;
    assert.deepEqual(Array.from(await b.run(new Float32Array([3]), 1)), [3]);
  });
});

describe('serve: batching over HTTP and load', () => {
  const tmp = tempDir('load');
  let s: RunningServer;
  const dir = () => path.join(tmp.dir, 'model');

  before(async () => {
    await saveTinyModel(dir(), IRIS_PREP);
    s = await startServer({ dir: dir(), name: 'iris', port: 0, tf: await loadTf(), batch: { maxWaitMs: 20, maxBatch: 512 } });
  });
  after(async () => {
    await s?.close();
    tmp.cleanup();
  });

  it('concurrent HTTP requests share model calls and get their own predictions', async () => {
    const records = Array.from({ length: 40 }, (_, i) => ({ sepal_length: 4 + i * 0.1, petal_width: (i % 10) * 0.25, color: ['red', 'green', 'blue'][i % 3], flag: i % 2 === 0 }));
    const expected = await predictRecords(await loadSavedModel(dir(), { tf: (await loadTf()).tf }), records);
    const before = (await s.stats()) ?? { calls: 0, requests: 0 };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const replies = await Promise.all(records.map((r) => post(s.url, { instances: [r] }, agent)));
    agent.destroy();
    replies.forEach((rep, i) => {
      assert.equal(rep.status, 200);
      const p = (rep.json.predictions as Array<{ label: string; probabilities: number[]; classes: string[] }>)[0];
      const e = expected[i] as { label: string; probabilities: Record<string, number> };
      assert.equal(p.label, e.label);
      for (const c of Object.keys(e.probabilities)) assert.ok(Math.abs(p.probabilities[p.classes.indexOf(c)] - e.probabilities[c]) < 1e-5);
    });
    const stats = await s.stats();
    assert.ok(stats);
    assert.equal(stats.requests - before.requests, 40);
    assert.ok(stats.calls - before.calls < 40, `40 concurrent requests took ${stats.calls - before.calls} model calls`);
  });

  it('200 concurrent clients for ~2 s: no errors, memory bounded', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
    const body = { instances: [{ sepal_length: 5.1, petal_width: 0.2, color: 'blue', flag: true }] };
    await post(s.url, body, agent);
    const rssBefore = process.memoryUsage().rss;
    const deadline = Date.now() + 2_000;
    let ok = 0;
    const errors: string[] = [];
    await Promise.all(Array.from({ length: 200 }, async () => {
      while (Date.now() < deadline) {
        try {
          const r = await post(s.url, body, agent);
          if (r.status === 200) ok++;
          else errors.push(`status ${r.status}`);
        } catch (err) {
          errors.push(String(err));
        }
      }
    }));
    agent.destroy();
    const grown = process.memoryUsage().rss - rssBefore;
    assert.deepEqual(errors.slice(0, 5), []);
    assert.ok(ok >= 200, `only ${ok} requests answered`);
    assert.ok(grown < 300 * 2 ** 20, `rss grew by ${(grown / 2 ** 20).toFixed(0)} MB`);
    const stats = await s.stats();
    assert.ok(stats && stats.calls < stats.requests, `under load every request ran alone: ${JSON.stringify(stats)}`);
  });
});

function post(base: string, body: unknown, agent: http.Agent): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = http.request(`${base}/v1/models/iris:predict`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}
