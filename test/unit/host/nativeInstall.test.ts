import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { explainFailure, installNative } from '../../../src/host/nativeInstall';

async function fakeNpm(dir: string, body: string): Promise<string> {
  const file = path.join(dir, 'npm');
  await fsp.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('Install Native Backend', () => {
  it('offline: fails with a clear message and changes nothing', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-native-'));
    const target = path.join(dir, 'native');
    await fsp.mkdir(target);
    await fsp.writeFile(path.join(target, 'keep.txt'), 'old install');
    const npm = await fakeNpm(dir, 'echo "npm error code ENOTFOUND" >&2; echo "npm error getaddrinfo ENOTFOUND storage.googleapis.com" >&2; exit 1');
    await assert.rejects(installNative('@tensorflow/tfjs-node', target, { npm }), /network is not reachable \(storage\.googleapis\.com could not be resolved\).*Nothing was changed/s);
    assert.equal(await fsp.readFile(path.join(target, 'keep.txt'), 'utf8'), 'old install');
    assert.deepEqual((await fsp.readdir(dir)).sort(), ['native', 'npm'], 'no staging folder is left behind');
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('replaces the old install only after a successful one', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-native-'));
    const target = path.join(dir, 'native');
    const npm = await fakeNpm(dir, 'mkdir -p node_modules/@tensorflow/tfjs-node && echo \'{"version":"4.22.0"}\' > node_modules/@tensorflow/tfjs-node/package.json && echo "added 1 package"');
    const lines: string[] = [];
    const result = await installNative('@tensorflow/tfjs-node', target, { npm, onLine: (l) => void lines.push(l) });
    assert.equal(result.version, '4.22.0');
    assert.ok(lines.includes('added 1 package'));
    await fsp.access(path.join(target, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'));
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('says when npm itself is missing', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-native-'));
    await assert.rejects(installNative('@tensorflow/tfjs-node', path.join(dir, 'n'), { npm: path.join(dir, 'no-npm') }), /was not found.*Nothing was changed/s);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('explains other failures with npm’s error lines', () => {
    assert.match(explainFailure('@tensorflow/tfjs-node', 1, 'npm error code E404\nnpm error 404 Not Found'), /exited with code 1\): npm error code E404/);
  });
});
