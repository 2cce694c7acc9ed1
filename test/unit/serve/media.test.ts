/** Text and image models: raw text, base64 images ({"b64"} as TF Serving writes it) and encoded arrays. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { encodeMediaInputs } from '../../../src/engine/data/encodeMedia';
import { loadSavedModel } from '../../../src/engine/saved';
import { predictEncoded } from '../../../src/engine/predict';
import { decodeOutputs, tfRow } from '../../../src/serve/adapter';
import { startServer, type RunningServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { IMAGE_PREP, saveMediaModel, tempDir, TEXT_PREP } from './fixtures';

function png(values: number[]): string {
  const img = new PNG({ width: 4, height: 4 });
  values.forEach((v, i) => { img.data[i * 4] = v; img.data[i * 4 + 1] = v; img.data[i * 4 + 2] = v; img.data[i * 4 + 3] = 255; });
  return PNG.sync.write(img).toString('base64');
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('serve: text and image models', () => {
  const tmp = tempDir('media');
  let text: RunningServer;
  let image: RunningServer;

  before(async () => {
    const tf = await loadTf();
    await saveMediaModel(path.join(tmp.dir, 'text'), TEXT_PREP);
    await saveMediaModel(path.join(tmp.dir, 'image'), IMAGE_PREP);
    text = await startServer({ dir: path.join(tmp.dir, 'text'), name: 'reviews', port: 0, tf });
    image = await startServer({ dir: path.join(tmp.dir, 'image'), name: 'digits', port: 0, tf });
  });
  after(async () => {
    await text?.close();
    await image?.close();
    tmp.cleanup();
  });

  async function expected(dir: string, instances: unknown[]) {
    const loaded = await loadSavedModel(dir, { tf: (await loadTf()).tf });
    const x = await encodeMediaInputs(loaded.preprocessing, instances);
    return decodeOutputs(loaded.preprocessing, await predictEncoded(loaded, x, instances.length), instances.length);
  }

  it('raw text (bare strings and records) equals the pipeline encoding + the model', async () => {
    const texts = ['A good movie!', 'bad, BAD movie', 'never seen words'];
    const want = await expected(path.join(tmp.dir, 'text'), texts);
    for (const instances of [texts, texts.map((review) => ({ review }))]) {
      const r = await post(`${text.url}/v1/models/reviews:predict`, { instances });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual(r.json.predictions, JSON.parse(JSON.stringify(want.map(tfRow))));
    }
    const mlflow = await post(`${text.url}/invocations`, { dataframe_split: { columns: ['review'], data: texts.map((t) => [t]) } });
    assert.deepEqual(mlflow.json.predictions, JSON.parse(JSON.stringify(want)));
    // encoded: token ids
    const ids = await encodeMediaInputs(TEXT_PREP, texts);
    const enc = await post(`${text.url}/v1/models/reviews:predict`, { instances: texts.map((_, i) => Array.from(ids.subarray(i * 6, i * 6 + 6))) });
    assert.deepEqual(enc.json.predictions, JSON.parse(JSON.stringify(want.map(tfRow))));
    const signed = await post(`${text.url}/v1/models/reviews:predict`, { signature_name: 'encoded', instances: texts.map((_, i) => Array.from(ids.subarray(i * 6, i * 6 + 6))) });
    assert.deepEqual(signed.json.predictions, JSON.parse(JSON.stringify(want.map(tfRow))));
    const rawWithEncoded = await post(`${text.url}/v1/models/reviews:predict`, { signature_name: 'encoded', instances: texts });
    assert.equal(rawWithEncoded.status, 400);
    assert.match(rawWithEncoded.json.error as string, /instances\[0\]: signature "encoded" takes arrays of 6 numbers/);
    const bad = await post(`${text.url}/v1/models/reviews:predict`, { instances: [{ review: { x: 1 } }] });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error as string, /instances\[0\].*review/);
  });

  it('base64 images as {"b64"}, as a record field and as nested encoded arrays', async () => {
    const dark = png(new Array(16).fill(10));
    const light = png(Array.from({ length: 16 }, (_, i) => 200 + i));
    const want = await expected(path.join(tmp.dir, 'image'), [{ b64: dark }, { b64: light }]);
    for (const instances of [[{ b64: dark }, { b64: light }], [{ image: { b64: dark } }, { image: { b64: light } }]]) {
      const r = await post(`${image.url}/v1/models/digits:predict`, { instances });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual(r.json.predictions, JSON.parse(JSON.stringify(want.map(tfRow))));
    }
    const px = await encodeMediaInputs(IMAGE_PREP, [{ b64: dark }]);
    const nested = [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => [px[y * 4 + x]]));
    const enc = await post(`${image.url}/v1/models/digits:predict`, { instances: [nested] });
    assert.equal(enc.status, 200, JSON.stringify(enc.json));
    assert.deepEqual((enc.json.predictions as unknown[])[0], JSON.parse(JSON.stringify(tfRow(want[0]))));
    const notImage = await post(`${image.url}/v1/models/digits:predict`, { instances: [{ b64: Buffer.from('hello').toString('base64') }] });
    assert.equal(notImage.status, 400, JSON.stringify(notImage.json));
    assert.match(notImage.json.error as string, /instances\[0\]/);
    assert.equal((await post(`${image.url}/v1/models/digits:predict`, { instances: [{ b64: dark }] })).status, 200);
  });
});
