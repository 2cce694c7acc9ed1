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

describe('model servers across a window reload', () => {
  const withMemory = (mode: string) => {
    const memory = { value: undefined as unknown, read() { return this.value; }, write(v: unknown) { this.value = JSON.parse(JSON.stringify(v)); } };
    const make = () => new ServerManager({ serverPath: FAKE, log, memory, settings: { host: () => '127.0.0.1', port: () => 8501, env: () => ({ ...process.env, FAKE_SERVER_MODE: mode }) } });
    return { memory, make };
  };

  it('a server deployed when the window went away comes back in the next window, and says so', async () => {
    const { memory, make } = withMemory('listening');
    const first = make();
    await first.deploy('/runs/x/1');
    await first.dispose(); // the window reloads
    assert.deepEqual((memory.value as { runDirs: string[] }).runDirs, [path.resolve('/runs/x/1')]);
    const second = make();
    assert.equal(second.running('/runs/x/1'), undefined);
    await second.restore();
    assert.deepEqual(second.running('/runs/x/1'), { url: 'http://127.0.0.1:1234', name: 'fake', restored: true });
    // deployed again by hand: an ordinary server, no note
    await second.stop('/runs/x/1');
    assert.deepEqual((memory.value as { runDirs: string[] }).runDirs, [], 'stopped by the person: it does not come back');
    await second.deploy('/runs/x/1');
    assert.equal(second.running('/runs/x/1')?.restored, undefined);
    await second.dispose();
  });

  it('not after a window closed long ago; a server that cannot start again says why', async () => {
    const { memory, make } = withMemory('listening');
    memory.value = { runDirs: ['/runs/x/1'], endedAt: Date.now() - 60 * 60_000 };
    const m = make();
    await m.restore();
    assert.equal(m.running('/runs/x/1'), undefined);
    assert.deepEqual((memory.value as { runDirs: string[] }).runDirs, []);
    await m.dispose();
    const failing = withMemory('error');
    failing.memory.value = { runDirs: ['/runs/x/2'], endedAt: Date.now() - 1000 };
    const f = failing.make();
    await f.restore();
    assert.match(f.restoreFailure('/runs/x/2') ?? '', /already in use/);
    await f.dispose();
  });
});
