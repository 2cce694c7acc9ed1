import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../src/engine/backends';
import { buildModel } from '../../../src/engine/model';
import { saveModelDir, loadSavedModel, resolveModelDir, SavedModelError } from '../../../src/engine/saved';
import { predictEncoded, predictRecords } from '../../../src/engine/predict';
import { blobs, linear, makeSpec } from './helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ms-saved-'));

test('a saved model loads with stock tf.loadLayersModel and predicts identically', async () => {
  const { tf } = await selectBackend('wasm');
  const data = blobs(60);
  const { model } = buildModel(tf, makeSpec({ layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.2 }] }), data.preprocessing);
  const { x } = await data.test.batch(Array.from({ length: data.test.n }, (_, i) => i));
  const before = await predictEncoded({ tf, model, preprocessing: data.preprocessing }, x, data.test.n);
  const dir = path.join(tmp(), 'model');
  const files = await saveModelDir(model, data.preprocessing, dir);
  assert.deepEqual(files.map((f) => path.basename(f)), ['model.json', 'weights.bin', 'preprocessing.json']);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
  const loaded = await loadSavedModel(dir, { tf });
  const after = await predictEncoded(loaded, x, data.test.n);
  assert.deepEqual(Array.from(after), Array.from(before));
  assert.deepEqual(loaded.preprocessing, data.preprocessing);

  // the same folder through a plain stock-TF.js file handler, nothing of ours
  const weightData = new Uint8Array(fs.readFileSync(path.join(dir, 'weights.bin'))).buffer;
  const stock = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  const t = stock.predict(tf.tensor(x, [data.test.n, 4])) as import('@tensorflow/tfjs').Tensor;
  assert.deepEqual(Array.from(await t.data()), Array.from(before));
});

test('saving replaces the old model whole; a leftover temp folder is ignored', async () => {
  const { tf } = await selectBackend('cpu');
  const data = blobs(30);
  const dir = path.join(tmp(), 'model');
  const a = buildModel(tf, makeSpec({ train: { seed: 1 } }), data.preprocessing).model;
  const b = buildModel(tf, makeSpec({ train: { seed: 2 } }), data.preprocessing).model;
  await saveModelDir(a, data.preprocessing, dir);
  const first = fs.readFileSync(path.join(dir, 'weights.bin'));
  await saveModelDir(b, data.preprocessing, dir);
  const second = fs.readFileSync(path.join(dir, 'weights.bin'));
  assert.notDeepEqual(first, second);
  assert.deepEqual(fs.readdirSync(path.dirname(dir)), ['model']);
  // a crash between the two renames leaves the previous copy beside it: it is still found
  fs.renameSync(dir, `${dir}.old-123-abc`);
  fs.mkdirSync(`${dir}.tmp-9-half`);
  fs.writeFileSync(`${dir}.tmp-9-half/model.json`, '{');
  assert.equal(resolveModelDir(dir), `${dir}.old-123-abc`);
  assert.throws(() => resolveModelDir(path.join(tmp(), 'nothing')), /no saved model here/);
});

test('predictRecords: labels with probabilities, or un-scaled values', async () => {
  const { tf } = await selectBackend('cpu');
  const data = blobs(30);
  // numeric features f0..f3 with identity scaling: the raw records are the vectors themselves
  const { model } = buildModel(tf, makeSpec(), data.preprocessing);
  const preds = await predictRecords({ tf, model, preprocessing: data.preprocessing }, [{ f0: 2, f1: 0, f2: 0, f3: 2 }, { f0: 0, f1: 2, f2: 0, f3: 0 }]);
  assert.equal(preds.length, 2);
  for (const p of preds) {
    assert.ok('label' in p);
    assert.deepEqual(p.classes, ['c0', 'c1', 'c2']);
    assert.ok(p.classes.includes(p.label));
    const sum = Object.values(p.probabilities).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
    assert.equal(p.label, p.classes.reduce((best, c) => (p.probabilities[c] > p.probabilities[best] ? c : best)));
  }
  const reg = linear(20);
  const r = buildModel(tf, makeSpec({ task: 'regression' }), reg.preprocessing).model;
  const raw = await predictEncoded({ tf, model: r, preprocessing: reg.preprocessing }, new Float32Array([0.5, -0.5]), 1);
  const [v] = await predictRecords({ tf, model: r, preprocessing: reg.preprocessing }, [{ f0: 0.5, f1: -0.5 }]);
  assert.ok('value' in v);
  assert.ok(Math.abs(v.value - (raw[0] * 2 + 1)) < 1e-5, 'un-scaled with center 1, divisor 2');
});

test('a broken model folder: the error names the file and what is wrong with it', async () => {
  const { tf } = await selectBackend('cpu');
  const data = blobs(30);
  const { model } = buildModel(tf, makeSpec(), data.preprocessing);
  const fresh = async () => {
    const dir = path.join(tmp(), 'model');
    await saveModelDir(model, data.preprocessing, dir);
    return dir;
  };
  const bad = async (dir: string, pattern: RegExp) => {
    await assert.rejects(loadSavedModel(dir, { tf }), (e: unknown) => e instanceof SavedModelError && pattern.test(e.message), pattern.source);
  };

  const cut = await fresh();
  const weights = path.join(cut, 'weights.bin');
  const size = fs.statSync(weights).size;
  fs.truncateSync(weights, 48);
  await assert.rejects(loadSavedModel(cut, { tf }), (e: unknown) => e instanceof SavedModelError
    && e.message.startsWith(`${weights} is 48 bytes but ${path.join(cut, 'model.json')} needs ${size} (truncated, or from another model); retrain`));
  fs.truncateSync(weights, 50);
  await bad(cut, /weights\.bin is 50 bytes but/);

  const json = await fresh();
  fs.writeFileSync(path.join(json, 'model.json'), '{"modelTopology": {"class_name": "Mod');
  await bad(json, /model\.json is not valid JSON \(.*\): the model folder is damaged; retrain/);

  const notModel = await fresh();
  fs.writeFileSync(path.join(notModel, 'model.json'), '{"hello": 1}');
  await bad(notModel, /model\.json is not a TF\.js layers model/);

  const prep = await fresh();
  fs.writeFileSync(path.join(prep, 'preprocessing.json'), '');
  await bad(prep, /preprocessing\.json is not valid JSON .*the file is empty/);
});
