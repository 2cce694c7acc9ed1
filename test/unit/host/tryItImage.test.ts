import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { checkImageDataUrl, MAX_IMAGE_BYTES, readImageFile, readWorkspaceImage } from '../../../src/host/tryItImage';
import { parseFromWebview, parseToWebview } from '../../../src/protocol/webview';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-tryit-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const ws = path.join(dir, 'ws');
const outside = path.join(dir, 'outside');
fs.mkdirSync(path.join(ws, 'pics'), { recursive: true });
fs.mkdirSync(outside);
const png = PNG.sync.write(new PNG({ width: 4, height: 4 }));
fs.writeFileSync(path.join(ws, 'pics', 'square.png'), png);
fs.writeFileSync(path.join(outside, 'secret.png'), png);
fs.writeFileSync(path.join(ws, 'notes.png'), 'not an image at all');
fs.symlinkSync(path.join(outside, 'secret.png'), path.join(ws, 'pics', 'link.png'));
fs.symlinkSync(outside, path.join(ws, 'outdir'));

describe('Try it images', () => {
  it('reads a workspace image by a relative or absolute path, as a data: URL', async () => {
    for (const p of ['pics/square.png', path.join(ws, 'pics', 'square.png'), `file://${path.join(ws, 'pics', 'square.png')}`]) {
      const img = await readWorkspaceImage(p, [ws]);
      assert.equal(img.name, 'square.png');
      assert.equal(img.dataUrl, `data:image/png;base64,${png.toString('base64')}`);
    }
  });

  it('refuses paths from the page that leave the workspace, links included', async () => {
    for (const p of [path.join(outside, 'secret.png'), '../outside/secret.png', 'pics/link.png', 'outdir/secret.png', '/etc/passwd']) {
      await assert.rejects(readWorkspaceImage(p, [ws]), /outside the workspace|does not exist/, p);
    }
    await assert.rejects(readWorkspaceImage('pics/square.png', []), /open a folder/);
    await assert.rejects(readWorkspaceImage('pics\0x.png', [ws]), /not a file path/);
    await assert.rejects(readWorkspaceImage('pics', [ws]), /not a file/);
    await assert.rejects(readWorkspaceImage('notes.png', [ws]), /not a PNG or JPEG/);
  });

  it('a picked file may be anywhere, but must be a PNG or JPEG within the size limit', async () => {
    assert.equal((await readImageFile(path.join(outside, 'secret.png'))).name, 'secret.png');
    const big = path.join(dir, 'big.png');
    fs.writeFileSync(big, Buffer.concat([png, Buffer.alloc(MAX_IMAGE_BYTES)]));
    await assert.rejects(readImageFile(big), /at most 10 MB/);
  });

  it('an image coming back for a prediction must be a PNG/JPEG data: URL', () => {
    const ok = `data:image/png;base64,${png.toString('base64')}`;
    assert.equal(checkImageDataUrl(ok, 'image'), ok);
    assert.equal(checkImageDataUrl(`data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]).toString('base64')}`, 'image').startsWith('data:image/jpeg'), true);
    for (const bad of [null, '/etc/passwd', 'pics/square.png', 'data:image/gif;base64,R0lGOD', `data:image/png;base64,${Buffer.from('hello').toString('base64')}`, `data:image/png;base64,${'A'.repeat(14_000_000)}`]) {
      assert.throws(() => checkImageDataUrl(bad, 'image'), /'image'/, String(bad).slice(0, 40));
    }
  });

  it('the messages are checked on arrival', () => {
    assert.deepEqual(parseFromWebview({ type: 'pickImage', field: 'image' }), { ok: true, message: { type: 'pickImage', field: 'image' } });
    assert.deepEqual(parseFromWebview({ type: 'loadImage', field: 'image', path: 'a.png' }), { ok: true, message: { type: 'loadImage', field: 'image', path: 'a.png' } });
    for (const bad of [{ type: 'pickImage' }, { type: 'loadImage', field: 'image' }, { type: 'loadImage', field: 'image', path: 'x'.repeat(5000) }]) assert.equal(parseFromWebview(bad).ok, false);
    assert.equal(parseToWebview({ type: 'image', field: 'image', image: { name: 'a.png', dataUrl: 'data:image/png;base64,AAAA' } }).ok, true);
    assert.equal(parseToWebview({ type: 'image', field: 'image', error: 'no' }).ok, true);
    assert.equal(parseToWebview({ type: 'image', field: 'image', image: { name: 'a', dataUrl: 'javascript:alert(1)' } }).ok, false);
  });
});
