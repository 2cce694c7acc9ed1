/**
 * The documented request shapes of TF Serving and MLflow give the same predictions as the
 * engine's predictRecords on the same inputs.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeRecords } from '../../../src/engine/data/preprocess';
import { loadSavedModel } from '../../../src/engine/saved';
import { predictRecords, type Prediction } from '../../../src/engine/predict';
import { startServer, type RunningServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { IRIS_PREP, IRIS_RECORDS, PRICE_PREP, saveTinyModel, tempDir } from './fixtures';

async function post(url: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/**
 * TF Serving answers: regression a bare number per row; classification {label, probabilities
 * (floats in `classes` order, as the signature says), classes}.
 */
function assertTf(actual: unknown, expected: Prediction[]): void {
  assert.ok(Array.isArray(actual), `expected an array of predictions, got ${JSON.stringify(actual)}`);
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    if ('value' in e) {
      assert.equal(typeof actual[i], 'number', `row ${i}: ${JSON.stringify(actual[i])} is not a bare number`);
      assert.ok(Math.abs((actual[i] as number) - e.value) < 1e-4, `row ${i}: ${String(actual[i])} vs ${e.value}`);
    } else {
      const a = actual[i] as { label: string; probabilities: number[]; classes: string[] };
      assert.deepEqual(Object.keys(a), ['label', 'probabilities', 'classes']);
      assert.equal(a.label, e.label, `row ${i} label`);
      assert.deepEqual(a.classes, e.classes);
      assert.ok(Array.isArray(a.probabilities) && a.probabilities.length === e.classes.length, `row ${i}: probabilities ${JSON.stringify(a.probabilities)}`);
      e.classes.forEach((c, j) => assert.ok(Math.abs(a.probabilities[j] - e.probabilities[c]) < 1e-5, `row ${i} p(${c})`));
    }
  });
}

/** MLflow answers: regression a bare number per row; classification the engine's {label, probabilities by class, classes}. */
function assertMlflow(actual: unknown, expected: Prediction[]): void {
  assert.ok(Array.isArray(actual), `expected an array of predictions, got ${JSON.stringify(actual)}`);
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    if ('value' in e) {
      assert.equal(typeof actual[i], 'number', `row ${i}: ${JSON.stringify(actual[i])} is not a bare number`);
      assert.ok(Math.abs((actual[i] as number) - e.value) < 1e-4, `row ${i}: ${String(actual[i])} vs ${e.value}`);
    } else {
      const a = actual[i] as Record<string, unknown>;
      assert.equal(a.label, e.label, `row ${i} label`);
      assert.deepEqual(a.classes, e.classes);
      for (const c of e.classes) assert.ok(Math.abs((a.probabilities as Record<string, number>)[c] - e.probabilities[c]) < 1e-5, `row ${i} p(${c})`);
    }
  });
}

describe('serve: documented request shapes', () => {
  const tmp = tempDir('protocol');
  let iris: RunningServer;
  let price: RunningServer;
  let expected: Prediction[];
  let expectedPrice: Prediction[];
  const priceRecords = [{ rooms: 2, area: 55 }, { rooms: 5, area: 140.5 }, { rooms: '3', area: null }];

  before(async () => {
    const tf = await loadTf();
    await saveTinyModel(path.join(tmp.dir, 'iris', 'model'), IRIS_PREP);
    await saveTinyModel(path.join(tmp.dir, 'price', 'model'), PRICE_PREP, 5);
    iris = await startServer({ dir: path.join(tmp.dir, 'iris', 'model'), name: 'iris', port: 0, tf });
    price = await startServer({ dir: path.join(tmp.dir, 'price', 'model'), name: 'price', port: 0, tf });
    expected = await predictRecords(await loadSavedModel(path.join(tmp.dir, 'iris', 'model'), { tf: tf.tf }), IRIS_RECORDS);
    expectedPrice = await predictRecords(await loadSavedModel(path.join(tmp.dir, 'price', 'model'), { tf: tf.tf }), priceRecords);
    // the fixture must tell classes apart, or label equality would prove nothing
    assert.ok(new Set(expected.map((p) => ('label' in p ? p.label : ''))).size > 1);
  });
  after(async () => {
    await iris?.close();
    await price?.close();
    tmp.cleanup();
  });

  it('TF Serving row format with raw records', async () => {
    const r = await post(`${iris.url}/v1/models/iris:predict`, { signature_name: 'serving_default', instances: IRIS_RECORDS });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assertTf(r.json.predictions, expected);
  });

  it('TF Serving row format with encoded arrays (flat and per version)', async () => {
    const x = encodeRecords(IRIS_PREP, IRIS_RECORDS);
    const rows = IRIS_RECORDS.map((_, i) => Array.from(x.subarray(i * 6, i * 6 + 6)));
    const r = await post(`${iris.url}/v1/models/iris/versions/1:predict`, { instances: rows });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assertTf(r.json.predictions, expected);
  });

  it('TF Serving row format with raw values in feature order (arrays that are not all numbers)', async () => {
    const r = await post(`${iris.url}/v1/models/iris:predict`, { instances: IRIS_RECORDS.map((x) => Object.values(x)) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assertTf(r.json.predictions, expected);
  });

  it('TF Serving columnar format', async () => {
    const inputs = Object.fromEntries(Object.keys(IRIS_RECORDS[0]).map((k) => [k, IRIS_RECORDS.map((r) => (r as Record<string, unknown>)[k])]));
    const r = await post(`${iris.url}/v1/models/iris:predict`, { inputs });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    // answered columnar, as TF Serving does: one array per output
    const outputs = r.json.outputs as { label: string[]; probabilities: number[][]; classes: string[][] };
    assert.deepEqual(Object.keys(outputs), ['label', 'probabilities', 'classes']);
    assertTf(outputs.label.map((label, i) => ({ label, probabilities: outputs.probabilities[i], classes: outputs.classes[i] })), expected);
    // regression: a bare array of numbers
    const priceInputs = { rooms: priceRecords.map((x) => x.rooms), area: priceRecords.map((x) => x.area) };
    const g = await post(`${price.url}/v1/models/price:predict`, { inputs: priceInputs });
    assert.equal(g.status, 200, JSON.stringify(g.json));
    assertTf(g.json.outputs, expectedPrice);
  });

  it('an all-number array of the raw feature count is raw values in feature order (what TF Serving / MLflow clients send)', async () => {
    // price: 2 raw features, 2 encoded numbers. [2, 55] is 2 rooms and 55 m², not two standardised values.
    const rows = priceRecords.slice(0, 2).map((x) => [x.rooms, x.area]);
    const want = expectedPrice.slice(0, 2);
    for (const [url, body, key] of [
      [`${price.url}/v1/models/price:predict`, { instances: rows }, 'predictions'],
      [`${price.url}/v1/models/price:predict`, { signature_name: 'serving_default', instances: rows }, 'predictions'],
      [`${price.url}/v1/models/price:predict`, { inputs: rows }, 'outputs'],
      [`${price.url}/invocations`, { instances: rows }, 'predictions'],
      [`${price.url}/invocations`, { inputs: rows }, 'predictions'],
      [`${price.url}/invocations`, rows.map((r) => ({ rooms: r[0], area: r[1] })), 'predictions'],
    ] as const) {
      const r = await post(url, body);
      assert.equal(r.status, 200, `${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
      assertTf(r.json[key], want);
    }
    // the same numbers sent as encoded (signature_name "encoded") mean something else; the encoding of the records gives the same answer
    const x = encodeRecords(PRICE_PREP, priceRecords.slice(0, 2));
    const encodedRows = [Array.from(x.subarray(0, 2)), Array.from(x.subarray(2, 4))];
    for (const [url, body, key] of [
      [`${price.url}/v1/models/price:predict`, { signature_name: 'encoded', instances: encodedRows }, 'predictions'],
      [`${price.url}/v1/models/price:predict`, { signature_name: 'encoded', inputs: encodedRows }, 'outputs'],
      [`${price.url}/v1/models/price:predict`, { signature_name: 'encoded', inputs: { encoded: encodedRows } }, 'outputs'],
      [`${price.url}/invocations`, { signature_name: 'encoded', instances: encodedRows }, 'predictions'],
      [`${price.url}/invocations`, { signature_name: 'encoded', inputs: { encoded: encodedRows } }, 'predictions'],
    ] as const) {
      const r = await post(url, body);
      assert.equal(r.status, 200, `${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
      assertTf(r.json[key], want);
    }
    const raw = await post(`${price.url}/v1/models/price:predict`, { instances: [[2, 55]] });
    const enc = await post(`${price.url}/v1/models/price:predict`, { signature_name: 'encoded', instances: [[2, 55]] });
    assert.notDeepEqual(raw.json.predictions, enc.json.predictions);
  });

  it('a model with a one-hot categorical (4 raw values, 6 encoded): arrays by length; signature_name is checked', async () => {
    const ambiguous = await post(`${iris.url}/v1/models/iris:predict`, { instances: [[5.1, 0.2, 1]] });
    assert.equal(ambiguous.status, 400);
    assert.match(ambiguous.json.error as string, /instances\[0\]: an array instance holds the 4 raw feature values in order \(sepal_length, petal_width, color, flag\) or the 6 encoded numbers \(shape \[6\]: .*\); got 3 values/);
    const bad = await post(`${iris.url}/v1/models/iris:predict`, { signature_name: 'encdoed', instances: [[1, 2, 3, 4]] });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error as string, /unknown signature_name "encdoed"; this model has "serving_default" \(raw feature values; the default\) and "encoded"/);
    const recordAsEncoded = await post(`${iris.url}/v1/models/iris:predict`, { signature_name: 'encoded', instances: [IRIS_RECORDS[0]] });
    assert.equal(recordAsEncoded.status, 400);
    assert.match(recordAsEncoded.json.error as string, /instances\[0\]: signature "encoded" takes arrays of 6 numbers \(shape \[6\]: sepal_length, petal_width, color=blue/);
    const fourAsEncoded = await post(`${iris.url}/v1/models/iris:predict`, { signature_name: 'encoded', instances: [[5.1, 0.2, 1, 0]] });
    assert.equal(fourAsEncoded.status, 400);
    assert.match(fourAsEncoded.json.error as string, /instances\[0\]: an encoded instance must have 6 numbers .* got 4/);
    const classify = await post(`${iris.url}/v1/models/iris:classify`, { signature_name: 'encoded', examples: [IRIS_RECORDS[0]] });
    assert.equal(classify.status, 400);
    assert.match(classify.json.error as string, /:classify takes records of raw feature values/);
    const frame = await post(`${iris.url}/invocations`, { signature_name: 'encoded', dataframe_records: IRIS_RECORDS });
    assert.equal(frame.status, 400);
    assert.match(frame.json.message as string, /signature "encoded" takes 'instances' or 'inputs'/);
  });

  it('TF Serving with no content type (curl -d) and form content type', async () => {
    const res = await fetch(`${iris.url}/v1/models/iris:predict`, { method: 'POST', body: JSON.stringify({ instances: IRIS_RECORDS }) });
    assert.equal(res.status, 200);
    const r = await post(`${iris.url}/v1/models/iris:predict`, { instances: IRIS_RECORDS }, 'application/x-www-form-urlencoded');
    assert.equal(r.status, 200);
    assertTf(r.json.predictions, expected);
  });

  it('TF Serving :classify and :regress', async () => {
    const r = await post(`${iris.url}/v1/models/iris:classify`, { context: { flag: true }, examples: IRIS_RECORDS.map(({ flag: _flag, ...rest }) => rest) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const withFlag = await predictRecords(await loadSavedModel(path.join(tmp.dir, 'iris', 'model'), { tf: (await loadTf()).tf }), IRIS_RECORDS.map((rec) => ({ ...rec, flag: true })));
    const result = r.json.result as Array<Array<[string, number]>>;
    withFlag.forEach((p, i) => {
      assert.ok('probabilities' in p);
      for (const [c, score] of result[i]) assert.ok(Math.abs(score - p.probabilities[c]) < 1e-5);
    });
    const g = await post(`${price.url}/v1/models/price:regress`, { examples: priceRecords });
    assert.equal(g.status, 200, JSON.stringify(g.json));
    (g.json.result as number[]).forEach((v, i) => assert.ok(Math.abs(v - (expectedPrice[i] as { value: number }).value) < 1e-3));
    const wrong = await post(`${price.url}/v1/models/price:classify`, { examples: priceRecords });
    assert.equal(wrong.status, 400);
  });

  it('regression predictions are un-scaled values', async () => {
    const r = await post(`${price.url}/v1/models/price:predict`, { instances: priceRecords });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assertTf(r.json.predictions, expectedPrice);
  });

  it('MLflow dataframe_split, dataframe_records, instances, inputs', async () => {
    const columns = Object.keys(IRIS_RECORDS[0]);
    const split = { columns, data: IRIS_RECORDS.map((r) => columns.map((c) => (r as Record<string, unknown>)[c])) };
    for (const body of [
      { dataframe_split: split },
      { dataframe_split: { ...split, index: [0, 1, 2, 3] } },
      { dataframe_records: IRIS_RECORDS },
      { instances: IRIS_RECORDS },
      { inputs: Object.fromEntries(columns.map((c) => [c, IRIS_RECORDS.map((r) => (r as Record<string, unknown>)[c])])) },
    ]) {
      const r = await post(`${iris.url}/invocations`, body);
      assert.equal(r.status, 200, `${Object.keys(body)[0]}: ${JSON.stringify(r.json)}`);
      assertMlflow(r.json.predictions, expected);
    }
  });

  it('MLflow 1.x bodies: a bare split frame, format=pandas-split, a bare records array', async () => {
    const columns = Object.keys(IRIS_RECORDS[0]);
    const split = { columns, data: IRIS_RECORDS.map((r) => columns.map((c) => (r as Record<string, unknown>)[c])) };
    for (const [body, type] of [[split, 'application/json'], [split, 'application/json; format=pandas-split'], [IRIS_RECORDS, 'application/json; format=pandas-records']] as const) {
      const r = await post(`${iris.url}/invocations`, body, type);
      assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.json)}`);
      assertMlflow(r.json.predictions, expected);
    }
  });

  it('MLflow text/csv', async () => {
    const csv = 'sepal_length,petal_width,color,flag\n5.1,0.2,blue,true\n6.7,2.1,red,false\n5.9,1.5,green,yes\n4.4,,red,0\n';
    const r = await post(`${iris.url}/invocations`, csv, 'text/csv');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assertMlflow(r.json.predictions, expected);
    // columns in another order, CRLF line ends, a label column that is ignored
    const shuffled = 'color,species,flag,petal_width,sepal_length\r\nblue,setosa,true,0.2,5.1\r\nred,,false,2.1,6.7\r\ngreen,x,yes,1.5,5.9\r\nred,,0,,4.4\r\n';
    const r2 = await post(`${iris.url}/invocations`, shuffled, 'text/csv; charset=utf-8');
    assert.equal(r2.status, 200, JSON.stringify(r2.json));
    assertMlflow(r2.json.predictions, expected);
    // no header row: values in the model's feature order
    const r3 = await post(`${iris.url}/invocations`, csv.split('\n').slice(1).join('\n'), 'text/csv');
    assert.equal(r3.status, 200, JSON.stringify(r3.json));
    assertMlflow(r3.json.predictions, expected);
    // dataframe_split without columns: the same order
    const r4 = await post(`${iris.url}/invocations`, { dataframe_split: { data: IRIS_RECORDS.map((x) => Object.values(x)) } });
    assert.equal(r4.status, 200, JSON.stringify(r4.json));
    assertMlflow(r4.json.predictions, expected);
  });

  it('GET status, metadata, ping and health', async () => {
    const status = (await (await fetch(`${iris.url}/v1/models/iris`)).json()) as Record<string, unknown>;
    assert.deepEqual(status, { model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] });
    const meta = (await (await fetch(`${iris.url}/v1/models/iris/metadata`)).json()) as { model_spec: { name: string; version: string }; model_studio: { inputs: Array<{ name: string; categories?: string[] }>; outputs: { classes: string[] } } };
    assert.equal(meta.model_spec.name, 'iris');
    assert.deepEqual(meta.model_studio.outputs.classes, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual(meta.model_studio.inputs.find((f) => f.name === 'color')?.categories, ['blue', 'green', 'red']);
    // two signatures: the raw features by default, the encoded numbers on request
    const sigs = (meta as unknown as { metadata: { signature_def: { signature_def: Record<string, { inputs: Record<string, { dtype: string; tensor_shape: { dim: Array<{ size: string }> } }>; outputs: Record<string, { dtype: string; tensor_shape: { dim: Array<{ size: string }> } }> }> } } }).metadata.signature_def.signature_def;
    assert.deepEqual(Object.keys(sigs), ['serving_default', 'encoded']);
    assert.deepEqual(Object.keys(sigs.serving_default.inputs), ['sepal_length', 'petal_width', 'color', 'flag']);
    assert.deepEqual(Object.keys(sigs.encoded.inputs), ['encoded']);
    assert.deepEqual(sigs.encoded.inputs.encoded.tensor_shape.dim.map((d) => d.size), ['-1', '6']);
    assert.deepEqual(Object.keys(sigs.serving_default.outputs), ['label', 'probabilities', 'classes']);
    assert.deepEqual(sigs.serving_default.outputs.probabilities.tensor_shape.dim.map((d) => d.size), ['-1', '3']);
    const studio = (meta as unknown as { model_studio: { encoded: { signature_name: string; names: string[] }; signatures: Record<string, string> } }).model_studio;
    assert.deepEqual(studio.encoded.names, ['sepal_length', 'petal_width', 'color=blue', 'color=green', 'color=red', 'flag']);
    assert.equal(studio.encoded.signature_name, 'encoded');
    assert.match(studio.signatures.serving_default, /raw feature values/);
    assert.equal((await fetch(`${iris.url}/ping`)).status, 200);
    assert.equal((await fetch(`${iris.url}/health`)).status, 200);
  });
});
