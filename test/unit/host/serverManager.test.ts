import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ServerManager } from '../../../src/host/serverManager';

const FAKE = path.join(__dirname, 'fixtures', 'fakeServer.cjs');
const log = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const manager = (mode: string, trusted = true) => new ServerManager({
  serverPath: FAKE,
  log,
  settings: { host: () => '127.0.0.1', port: () => 8501, env: () => ({ ...process.env, FAKE_SERVER_MODE: mode }), trusted: () => trusted },
});

describe('ServerManager against a fake server', () => {
  it('deploys once per run folder, reports it running, stops it', async () => {
    const m = manager('listening');
    const [a, b] = await Promise.all([m.deploy('/runs/x/1'), m.deploy('/runs/x/1')]);
    assert.deepEqual(a, { url: 'http://127.0.0.1:1234', name: 'fake' });
    assert.deepEqual(b, a);
    assert.equal(m.list().length, 1, 'two deploys of one run share one server');
    await m.stop('/runs/x/1');
    assert.equal(m.running('/runs/x/1'), undefined);
  });

  it("rejects with the server's own error, and with a clear one when it dies", async () => {
    await assert.rejects(manager('error').deploy('/r'), /port 8501 is already in use/);
    await assert.rejects(manager('crash').deploy('/r'), /exit code 7.*before it was listening/);
  });

  it('starts nothing in an untrusted workspace', async () => {
    await assert.rejects(manager('listening', false).deploy('/r'), /not trusted/);
  });
});
