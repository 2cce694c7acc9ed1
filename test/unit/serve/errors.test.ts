/**
 * A corpus of bad requests gets the right status and a JSON error that says what is wrong, and
 * the server keeps serving: a good request succeeds after each one.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { IRIS_PREP, IRIS_RECORDS, saveTinyModel, tempDir } from './fixtures';

interface Reply { status: number; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }

function request(base: string, method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${urlPath}`, { method, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try { json = JSON.parse(text) as Record<string, unknown>; } catch { json = { raw: text }; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Raw bytes over a socket; resolves with everything the server sent before closing (or after `untilMs`). */
function raw(port: number, payload: string, untilMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { socket.destroy(); resolve(got); }, untilMs);
    socket.on('data', (d) => { got += d.toString('utf8'); });
    socket.on('close', () => { clearTimeout(timer); resolve(got); });
    socket.on('error', () => undefined);
    socket.write(payload);
  });
}

describe('serve: bad requests', () => {
  const tmp = tempDir('errors');
  let s: RunningServer;
  const predictPath = '/v1/models/iris:predict';
  const good = JSON.stringify({ instances: IRIS_RECORDS.slice(0, 2) });

  before(async () => {
    await saveTinyModel(path.join(tmp.dir, 'model'), IRIS_PREP);
    s = await startServer({ dir: path.join(tmp.dir, 'model'), name: 'iris', port: 0, tf: await loadTf(), maxBodyBytes: 64 * 1024, requestTimeoutMs: 600, headersTimeoutMs: 600 });
  });
  after(async () => {
    await s?.close();
    tmp.cleanup();
  });

  async function stillServes(): Promise<void> {
    const r = await request(s.url, 'POST', predictPath, good);
    assert.equal(r.status, 200, `the server stopped serving: ${JSON.stringify(r.json)}`);
    assert.equal((r.json.predictions as unknown[]).length, 2);
  }

  const cases: Array<{ what: string; method: string; path: string; body?: string; headers?: Record<string, string>; status: number; mentions?: RegExp; allow?: string; mlflow?: boolean }> = [
    { what: 'malformed JSON', method: 'POST', path: predictPath, body: '{"instances": [', status: 400, mentions: /not valid JSON/ },
    { what: 'empty body', method: 'POST', path: predictPath, body: '', status: 400, mentions: /empty/ },
    { what: 'body not an object', method: 'POST', path: predictPath, body: '[1, 2]', status: 400, mentions: /JSON object/ },
    { what: 'neither instances nor inputs', method: 'POST', path: predictPath, body: '{"rows": []}', status: 400, mentions: /'instances'.*'inputs'/ },
    { what: 'both instances and inputs', method: 'POST', path: predictPath, body: '{"instances": [], "inputs": {}}', status: 400, mentions: /not both/ },
    { what: 'instances not an array', method: 'POST', path: predictPath, body: '{"instances": {"a": 1}}', status: 400, mentions: /must be an array/ },
    { what: 'empty instances', method: 'POST', path: predictPath, body: '{"instances": []}', status: 400, mentions: /empty/ },
    { what: 'wrong type', method: 'POST', path: predictPath, body: JSON.stringify({ instances: [{ ...IRIS_RECORDS[0], sepal_length: 'tall' }] }), status: 400, mentions: /instances\[0\].*sepal_length.*"tall"/ },
    { what: 'object where a number goes', method: 'POST', path: predictPath, body: JSON.stringify({ instances: [IRIS_RECORDS[0], { ...IRIS_RECORDS[0], petal_width: { x: 1 } }] }), status: 400, mentions: /instances\[1\].*petal_width/ },
    { what: 'unknown feature', method: 'POST', path: predictPath, body: JSON.stringify({ instances: [{ ...IRIS_RECORDS[0], sepal_lenght: 5 }] }), status: 400, mentions: /unknown feature 'sepal_lenght' \(did you mean 'sepal_length'\?\); the model's features are/ },
    { what: 'two misspelt features', method: 'POST', path: predictPath, body: JSON.stringify({ instances: [{ sepal_lenght: 5, petal_with: 1, color: 'red', flag: 1 }] }), status: 400, mentions: /unknown features 'sepal_lenght', 'petal_with' \(did you mean 'sepal_length' for 'sepal_lenght', 'petal_width' for 'petal_with'\?\)/ },
    { what: 'a feature nothing is close to', method: 'POST', path: predictPath, body: JSON.stringify({ instances: [{ ...IRIS_RECORDS[0], zzzzzz: 1 }] }), status: 400, mentions: /unknown feature 'zzzzzz'; the model's features are/ },
    { what: 'missing feature', method: 'POST', path: predictPath, body: JSON.stringify({ instances: [{ sepal_length: 5, color: 'red', flag: 1 }] }), status: 400, mentions: /missing feature 'petal_width'/ },
    { what: 'numeric row neither raw nor encoded width', method: 'POST', path: predictPath, body: '{"instances": [[1, 2, 3]]}', status: 400, mentions: /instances\[0\]: an array instance holds the 4 raw feature values in order .* or the 6 encoded numbers .*; got 3 values/ },
    { what: 'encoded row of the wrong width', method: 'POST', path: predictPath, body: '{"signature_name": "encoded", "instances": [[1, 2, 3]]}', status: 400, mentions: /6 numbers.*got 3/ },
    { what: 'unknown signature', method: 'POST', path: predictPath, body: '{"signature_name": "predict_raw", "instances": [[1, 2, 3, 4]]}', status: 400, mentions: /unknown signature_name "predict_raw"/ },
    { what: 'MLflow: unknown signature', method: 'POST', path: '/invocations', body: '{"signature_name": 7, "instances": [[1, 2, 3, 4]]}', status: 400, mlflow: true, mentions: /unknown signature_name 7/ },
    { what: 'absurdly nested arrays', method: 'POST', path: predictPath, body: `{"instances": [${'['.repeat(5000)}1${']'.repeat(5000)}]}`, status: 400 },
    { what: 'array of strings', method: 'POST', path: predictPath, body: '{"instances": [["a", "b"]]}', status: 400, mentions: /4 raw feature values in order \(sepal_length, petal_width, color, flag\) or the 6 encoded numbers.*got 2 values/ },
    { what: 'columns of unequal length', method: 'POST', path: predictPath, body: '{"inputs": {"sepal_length": [1, 2], "petal_width": [1]}}', status: 400, mentions: /same length/ },
    { what: 'unknown model', method: 'GET', path: '/v1/models/nope', status: 404, mentions: /'nope' not found/ },
    { what: 'malformed %-escape in the model name', method: 'GET', path: '/v1/models/%E0%A4%A', status: 404 },
    { what: 'unknown model predict', method: 'POST', path: '/v1/models/nope:predict', body: good, status: 404 },
    { what: 'unknown version', method: 'POST', path: '/v1/models/iris/versions/7:predict', body: good, status: 404, mentions: /no version 7/ },
    { what: 'non-numeric version', method: 'GET', path: '/v1/models/iris/versions/latest', status: 404 },
    { what: 'unknown path', method: 'GET', path: '/v2/models', status: 404, mentions: /unknown path/ },
    { what: 'unknown verb', method: 'POST', path: '/v1/models/iris:explain', body: good, status: 404 },
    { what: 'GET on predict', method: 'GET', path: predictPath, status: 405, allow: 'POST' },
    { what: 'POST on status', method: 'POST', path: '/v1/models/iris', body: good, status: 405, allow: 'GET' },
    { what: 'DELETE on metadata', method: 'DELETE', path: '/v1/models/iris/metadata', status: 405, allow: 'GET' },
    { what: 'wrong content type', method: 'POST', path: predictPath, body: good, headers: { 'Content-Type': 'application/xml' }, status: 415, mentions: /application\/xml/ },
    { what: 'CSV on TF Serving', method: 'POST', path: predictPath, body: 'a,b\n1,2\n', headers: { 'Content-Type': 'text/csv' }, status: 415 },
    { what: 'MLflow: bad JSON', method: 'POST', path: '/invocations', body: '{', status: 400, mlflow: true },
    { what: 'MLflow: unknown format', method: 'POST', path: '/invocations', body: '{"data": []}', status: 400, mlflow: true, mentions: /dataframe_split/ },
    { what: 'MLflow: split with ragged rows', method: 'POST', path: '/invocations', body: '{"dataframe_split": {"columns": ["a", "b"], "data": [[1]]}}', status: 400, mlflow: true, mentions: /2 columns/ },
    { what: 'MLflow: CSV with a bad value', method: 'POST', path: '/invocations', body: 'sepal_length,petal_width,color,flag\nx,1,red,1\n', headers: { 'Content-Type': 'text/csv' }, status: 400, mlflow: true, mentions: /sepal_length/ },
    { what: 'MLflow: CSV rows of the wrong length', method: 'POST', path: '/invocations', body: 'sepal_length,petal_width,color,flag\n1,2\n', headers: { 'Content-Type': 'text/csv' }, status: 400, mlflow: true, mentions: /line 2 has 2 values/ },
    { what: 'MLflow: CSV header only', method: 'POST', path: '/invocations', body: 'sepal_length,petal_width,color,flag\n', headers: { 'Content-Type': 'text/csv' }, status: 400, mlflow: true, mentions: /no data rows/ },
    { what: 'MLflow: wrong content type', method: 'POST', path: '/invocations', body: good, headers: { 'Content-Type': 'application/octet-stream' }, status: 415, mlflow: true },
    { what: 'MLflow: GET on invocations', method: 'GET', path: '/invocations', status: 405, allow: 'POST', mlflow: true },
    { what: 'POST on ping', method: 'POST', path: '/ping', body: '{}', status: 405, allow: 'GET', mlflow: true },
  ];

  for (const c of cases) {
    it(`${c.what} → ${c.status}`, async () => {
      const r = await request(s.url, c.method, c.path, c.body, c.headers);
      assert.equal(r.status, c.status, JSON.stringify(r.json));
      assert.match(String(r.headers['content-type']), /application\/json/);
      const message = c.mlflow ? r.json.message : r.json.error;
      assert.equal(typeof message, 'string', `error body shape: ${JSON.stringify(r.json)}`);
      if (c.mlflow) assert.equal(typeof r.json.error_code, 'string');
      if (c.mentions) assert.match(message as string, c.mentions);
      if (c.allow) assert.equal(r.headers.allow, c.allow);
      await stillServes();
    });
  }

  it('a body over the declared limit → 413 without reading it', async () => {
    const r = await request(s.url, 'POST', predictPath, 'x'.repeat(65 * 1024));
    assert.equal(r.status, 413);
    assert.match(r.json.error as string, /64 KB/);
    await stillServes();
  });

  it('a chunked body that grows past the limit → 413', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${s.url}${predictPath}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        // keep sending until the answer arrives or far past the limit
        while (sent < 1024 * 1024 && req.write(chunk)) sent += chunk.length;
        if (sent < 1024 * 1024) req.once('drain', () => { sent += chunk.length; pump(); });
        else req.end();
      };
      pump();
    });
    assert.equal(reply.status, 413);
    await stillServes();
  });

  it('a slow client that sends half a body is cut off, and others are served meanwhile', async () => {
    const slow = raw(s.port, `POST ${predictPath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${good.length}\r\n\r\n${good.slice(0, good.length / 2)}`);
    await stillServes();
    const got = await slow;
    assert.match(got, /^HTTP\/1\.1 408/);
    await stillServes();
  });

  it('a client that never finishes its headers is cut off', async () => {
    const got = await raw(s.port, `POST ${predictPath} HTTP/1.1\r\nHost: x\r\n`);
    assert.match(got, /^HTTP\/1\.1 408|^$/);
    await stillServes();
  });

  it('malformed HTTP → 400', async () => {
    const got = await raw(s.port, 'THIS IS NOT HTTP\r\n\r\n');
    assert.match(got, /^HTTP\/1\.1 400/);
    await stillServes();
  });
});
