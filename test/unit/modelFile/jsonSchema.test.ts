import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LAYER_TYPES, modelFileJsonSchema } from '../../../src/modelFile';

const REPO_COPY = path.resolve(__dirname, '../../../schemas/model-file.schema.json');
type Json = Record<string, unknown>;

test('schemas/model-file.schema.json is current (regenerated when stale: commit the new file)', () => {
  const current = `${JSON.stringify(modelFileJsonSchema(), null, 2)}\n`;
  let committed = '';
  try {
    committed = readFileSync(REPO_COPY, 'utf8');
  } catch {
    // missing: written below, and the test fails so someone commits it
  }
  if (committed !== current) {
    writeFileSync(REPO_COPY, current);
    assert.fail(`${REPO_COPY} was stale and has been regenerated from src/modelFile/schema.ts; commit it`);
  }
});

test('layers are a oneOf over the layer types, keyed by type, with their arguments', () => {
  const schema = modelFileJsonSchema() as Json;
  const items = (((schema.properties as Json).model as Json).properties as Json).layers as Json;
  const layer = items.items as Json;
  const oneOf = layer.oneOf as Json[];
  assert.equal(oneOf.length, LAYER_TYPES.length);
  assert.deepEqual((layer.discriminator as Json).propertyName, 'type');
  const dense = oneOf.find((s) => s.title === 'dense') as Json;
  assert.deepEqual((dense.properties as Json).type, { const: 'dense', type: 'string' });
  assert.ok('units' in (dense.properties as Json));
  assert.equal(dense.additionalProperties, false);
  assert.deepEqual(((layer.properties as Json).type as Json).enum, LAYER_TYPES);
});

test('editor schema: enums, descriptions and defaults kept, defaulted fields not required', () => {
  const schema = modelFileJsonSchema() as Json;
  const props = schema.properties as Json;
  assert.deepEqual(schema.required, ['name', 'task', 'data']);
  assert.deepEqual((props.task as Json).enum, ['classification', 'regression']);
  const train = props.train as Json;
  assert.equal(train.required, undefined);
  const epochs = (train.properties as Json).epochs as Json;
  assert.equal(epochs.default, 100);
  assert.match(String(epochs.description), /Passes/);
  const optimizerType = ((train.properties as Json).optimizer as Json).properties as Json;
  assert.equal((optimizerType.type as Json).default, 'adam');
  assert.deepEqual(((props.data as Json).required as string[]).sort(), ['label', 'source']);
  // no TypeBox-internal symbols or functions leak into the file
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(schema)));
  assert.ok(!JSON.stringify(schema).includes('Symbol('));
});

test('writeSchemaFile writes the same schema atomically', async () => {
  const { writeSchemaFile } = await import('../../../src/modelFile/jsonSchema');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync(path.join((await import('node:os')).tmpdir(), 'schema-'));
  try {
    writeSchemaFile(path.join(dir, 's.json'));
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 's.json'), 'utf8')), modelFileJsonSchema());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the editor schema agrees with the validator on examples and typical mistakes', async (t) => {
  // ajv (draft-07) comes with eslint; the check is skipped where it is not installed.
  let Ajv: new (opts: Json) => { compile(s: unknown): ((v: unknown) => boolean) & { errors?: unknown[] } };
  try {
    Ajv = require('ajv') as typeof Ajv;
  } catch {
    t.skip('ajv is not installed');
    return;
  }
  const { parse } = await import('yaml');
  const { readdirSync } = await import('node:fs');
  const validate = new Ajv({ allErrors: true }).compile(modelFileJsonSchema());
  const repo = path.resolve(__dirname, '../../..');
  const examples = readdirSync(path.join(repo, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(repo, 'examples', d.name)).filter((f) => /\.model\.(ya?ml|json)$/.test(f)).map((f) => path.join(repo, 'examples', d.name, f)));
  for (const file of [...examples, path.join(__dirname, '../../fixtures/modelFile/valid.model.yaml'), path.join(__dirname, '../../fixtures/modelFile/valid.model.json')]) {
    assert.equal(validate(parse(readFileSync(file, 'utf8'))), true, `${file}: ${JSON.stringify(validate.errors)}`);
  }
  const base = { name: 'x', task: 'regression', data: { source: 'a.csv', label: 'y' } };
  for (const bad of [
    { ...base, train: { epoch: 3 } },
    { ...base, model: { layers: [{ type: 'dense', unit: 3 }] } },
    { ...base, model: { layers: [{ type: 'dense' }] } },
    { ...base, model: { layers: [{ type: 'dnse', units: 3 }] } },
    { ...base, train: { optimizer: { type: 'adamw' } } },
    { name: 'x', task: 'regression' },
  ]) {
    assert.equal(validate(bad), false, JSON.stringify(bad));
  }
  assert.equal(validate({ ...base, model: { layers: [{ type: 'conv2d', filters: 2, kernelSize: [3, 3] }, { type: 'flatten' }] } }), true);
});
