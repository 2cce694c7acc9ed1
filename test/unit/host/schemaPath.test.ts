import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { completions, hover, schemaAt, valuesOf, yamlPlace } from '../../../src/diagnostics/schemaPath';
import { modelFileJsonSchema } from '../../../src/modelFile/jsonSchema';

const schema = modelFileJsonSchema();
const text = [
  'name: iris',
  'task: classification',
  'data:',
  '  source: iris.csv',
  '  ',
  'model:',
  '  layers:',
  '    - type: dense',
  '      ',
  'train:',
  '  optimizer:',
  '    type: ',
].join('\n').split('\n');

describe('YAML completion and hover from the schema', () => {
  it('finds the path of the cursor from indentation, on a half-typed file', () => {
    assert.deepEqual(yamlPlace(text, 4, 2).parent, ['data']);
    assert.deepEqual(yamlPlace(text, 8, 6).parent, ['model', 'layers', 0]);
    const v = yamlPlace(text, 11, 10);
    assert.equal(v.at, 'value');
    assert.deepEqual([v.parent, v.key], [['train', 'optimizer'], 'type']);
  });

  it('offers the keys of the mapping that are not there yet', () => {
    const keys = completions(schema, yamlPlace(text, 4, 2)).map((s) => s.label);
    assert.ok(keys.includes('label') && keys.includes('preprocess'), keys.join());
    assert.ok(!keys.includes('source'), 'source is already there');
    const top = completions(schema, yamlPlace(text, 0, 0)).map((s) => s.label);
    assert.ok(top.includes('evaluate') && top.includes('deploy') && !top.includes('train'), top.join());
  });

  it('offers the arguments of the layer type at hand', () => {
    const keys = completions(schema, yamlPlace(text, 8, 6)).map((s) => s.label);
    assert.ok(keys.includes('units') && keys.includes('activation'), keys.join());
  });

  it('offers the allowed values', () => {
    const values = completions(schema, yamlPlace(text, 11, 10)).map((s) => s.label);
    assert.ok(values.includes('adam') && values.includes('sgd'), values.join());
    assert.deepEqual(valuesOf(schemaAt(schema, ['task'])), ['classification', 'regression']);
  });

  it('hovers a key with its description and allowed values', () => {
    const h = hover(schema, { ...yamlPlace(text, 1, 2), at: 'key', key: 'task' });
    assert.match(h ?? '', /\*\*task\*\*/);
    assert.match(h ?? '', /`regression`/);
  });
});
