/**
 * Requests that used to hang, bloat or fool the server (issue 12): too many instances, a PNG zlib bomb,
 * values beyond float32, one level of nesting too many, deep JSON, a body cut short. Each gets a 4xx that
 * names the field and the limit, memory stays bounded, and /ping keeps answering.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { IMAGE_PREP, IRIS_PREP, saveMediaModel, saveTinyModel, tempDir } from './fixtures';
import { pngBomb } from '../media/helpers';

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }).catch((e: unknown) => {
    throw new Error(`${String(e)}: ${String((e as { cause?: unknown }).cause)}`);
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const ping = async (base: string) => (await fetch(`${base}/ping`)).status;

describe('serve: request limits and bad numbers', () => {
  const tmp = tempDir('limits');
  let iris: RunningServer;
  let image: RunningServer;
  let bomb = '';

  before(async () => {
    // Made before the servers start: deflating 1 GiB blocks this process (and the servers in it) for seconds.
    bomb = pngBomb().toString('base64');
    const tf = await loadTf();
    await saveTinyModel(path.join(tmp.dir, 'iris'), IRIS_PREP);
    await saveMediaModel(path.join(tmp.dir, 'image'), IMAGE_PREP);
    iris = await startServer({ dir: path.join(tmp.dir, 'iris'), name: 'iris', port: 0, tf, maxInstances: 2000 });
    image = await startServer({ dir: path.join(tmp.dir, 'image'), name: 'img', port: 0, tf });
  });
  after(async () => {
    await iris?.close();
    await image?.close();
    tmp.cleanup();
  });

  it('more instances than the limit is 413 naming the limit, before any row is encoded', async () => {
    const row = [5.1, 0.2, 'red', true];
    for (const [body, label] of [
      [{ instances: Array(2001).fill(row) }, 'instances'],
      [{ inputs: { sepal_length: Array(2001).fill(5), petal_width: Array(2001).fill(1), color: Array(2001).fill('red'), flag: Array(2001).fill(1) } }, 'inputs'],
    ] as const) {
      const r = await post(`${iris.url}/v1/models/iris:predict`, body);
      assert.equal(r.status, 413);
      assert.match(String(r.json.error), new RegExp(`'${label}' holds 2,001 instances, more than this server takes in one request \\(2,000\\).*--max-instances.*MODEL_STUDIO_MAX_INSTANCES`));
    }
    const mlflow = await post(`${iris.url}/invocations`, { dataframe_split: { columns: ['sepal_length', 'petal_width', 'color', 'flag'], data: Array(2001).fill(row) } });
    assert.equal(mlflow.status, 413);
    assert.match(String(mlflow.json.message), /'dataframe_split.data' holds 2,001 instances/);
    assert.equal((await post(`${iris.url}/v1/models/iris:predict`, { instances: Array(2000).fill(row) })).status, 200);
  });

  it('a large request runs in slices: /ping answers while it is being worked on', async () => {
    const big = post(`${iris.url}/v1/models/iris:predict`, { instances: Array(2000).fill([5.1, 0.2, 'red', true]) });
    let bigDone = false;
    void big.then(() => { bigDone = true; });
    // Wait until the server has the request, then ask for /ping: it answers while the big one is still in flight.
    const started = Date.now();
    while ((await iris.stats())?.requests === undefined && Date.now() - started < 5000) await new Promise((r) => setImmediate(r));
    assert.equal(await ping(iris.url), 200);
    assert.equal((await big).status, 200);
    assert.ok(bigDone);
  });

  it('values beyond float32 are a 400 naming the feature, never null probabilities', async () => {
    for (const [value, instances] of [['1e300', [[1e300, 0.2, 'red', true]]], ['-1e39', [{ sepal_length: 5, petal_width: -1e39, color: 'red', flag: 1 }]]] as const) {
      const r = await post(`${iris.url}/v1/models/iris:predict`, { instances });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(String(r.json.error), /instances\[0\]: .*feature '(sepal_length|petal_width)' is .*too large for the model's 32-bit input/, value);
    }
    const encoded = await post(`${iris.url}/v1/models/iris:predict`, { signature_name: 'encoded', instances: [[1e39, 0, 0, 0, 1, 0]] });
    assert.equal(encoded.status, 400);
    assert.match(String(encoded.json.error), /encoded value 0 \('sepal_length'\) is 1e\+39, not a finite float32 number/);
    // Finite inputs whose output is not a number are a 400 too (the answer never holds null).
    const far = await post(`${iris.url}/v1/models/iris:predict`, { signature_name: 'encoded', instances: [[3e38, -3e38, 3e38, -3e38, 3e38, 3e38]] });
    if (far.status === 200) assert.doesNotMatch(JSON.stringify(far.json), /null/);
    else assert.match(String(far.json.error), /instances\[0\]: the model's output is not a number for this instance/);
  });

  it('an instance nested one level too deep is a 400, not a prediction', async () => {
    const r = await post(`${iris.url}/v1/models/iris:predict`, { instances: [[[5.1, 0.2, 'red', true]]] });
    assert.equal(r.status, 400);
    assert.match(String(r.json.error), /instances\[0\]: an instance of this model is one row, a flat array of the 4 raw feature values .* got an array nested 2 levels deep/);
    const enc = await post(`${iris.url}/v1/models/iris:predict`, { signature_name: 'encoded', instances: [[[0, 0, 1, 0, 0, 1]]] });
    assert.equal(enc.status, 400);
    assert.match(String(enc.json.error), /flat array of 6 numbers or nested as the input shape \[6\]; got shape \[1, 6\]/);
    const img = await post(`${image.url}/v1/models/img:predict`, { instances: [[[[0], [0], [0], [0]], [[0], [0], [0], [0]], [[0], [0], [0], [0]], [[0], [0], [0], [0]]]] });
    assert.equal(img.status, 200, 'the exact input shape [4, 4, 1] is fine');
    const imgWrong = await post(`${image.url}/v1/models/img:predict`, { instances: [[[0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]] });
    assert.equal(imgWrong.status, 400);
  });

  it('a deeply nested body is a 400 naming the depth limit (no stack overflow, no 500)', async () => {
    const deep = `{"instances": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const r = await post(`${iris.url}/v1/models/iris:predict`, deep);
    assert.equal(r.status, 400);
    assert.match(String(r.json.error), /nests arrays and objects more than 64 levels deep.*MODEL_STUDIO_MAX_NESTING_DEPTH/);
    const wide = await post(`${iris.url}/v1/models/iris:predict`, { instances: [{ sepal_length: 'x'.repeat(100_000), petal_width: 1, color: 'red', flag: 1 }] });
    assert.equal(wide.status, 400);
    assert.ok(String(wide.json.error).length < 600, 'the message quotes a bounded preview of the value');
    assert.equal(await ping(iris.url), 200);
  });

  it('a PNG zlib bomb is a 400 after inflating only what its header allows; RSS stays bounded and /ping answers', async () => {
    const before = process.memoryUsage().rss;
    const r = await post(`${image.url}/v1/models/img:predict`, { instances: [{ b64: bomb }] });
    assert.equal(r.status, 400);
    assert.match(String(r.json.error), /inflates to more than its 16×16 header allows.*compression bomb/);
    assert.ok(process.memoryUsage().rss - before < 200e6, `RSS grew by ${Math.round((process.memoryUsage().rss - before) / 1e6)} MB`);
    assert.equal(await ping(image.url), 200);
  });

  it('a body shorter than its Content-Length: the answer says it was cut short', async () => {
    const reply = await new Promise<string>((resolve) => {
      const socket = net.connect(iris.port, '127.0.0.1', () => {
        socket.write(`POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"instances": [`);
        socket.end();
      });
      let got = '';
      socket.on('data', (d) => { got += d.toString('utf8'); });
      socket.on('close', () => resolve(got));
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.match(reply, /cut short/);
    assert.equal(await ping(iris.url), 200);
  });
});
