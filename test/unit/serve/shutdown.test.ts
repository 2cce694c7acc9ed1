/** Graceful close: a request in flight when the server closes still gets its answer; new connections are refused. */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { startServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { IRIS_PREP, IRIS_RECORDS, saveTinyModel, tempDir } from './fixtures';

describe('serve: graceful shutdown', () => {
  const tmp = tempDir('shutdown');
  after(() => tmp.cleanup());

  it('finishes the request in flight, then refuses new connections', async () => {
    await saveTinyModel(path.join(tmp.dir, 'model'), IRIS_PREP);
    const s = await startServer({ dir: path.join(tmp.dir, 'model'), name: 'iris', port: 0, tf: await loadTf() });
    const body = JSON.stringify({ instances: IRIS_RECORDS });
    const arrived = new Promise<void>((resolve) => s.http.once('request', () => resolve()));
    const socket = net.connect(s.port, '127.0.0.1');
    let reply = '';
    socket.on('data', (d) => { reply += d.toString(); });
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    // headers and half the body: the request is in flight
    socket.write(`POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`);
    await arrived;
    const closed = s.close();
    socket.write(body.slice(20));
    await ended;
    await closed;
    assert.match(reply, /^HTTP\/1\.1 200/);
    assert.match(reply, /"predictions":\[/);
    await assert.rejects(fetch(`${s.url}/ping`));
  });
});
