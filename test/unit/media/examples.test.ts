import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { prepareData } from '../../../src/engine/data';
import type { ModelSpecFile } from '../../../src/modelFile/schema';

const root = path.resolve(__dirname, '../../..');

async function load(rel: string): Promise<{ spec: ModelSpecFile; file: string }> {
  const file = path.join(root, rel);
  return { spec: parseYaml(await fs.readFile(file, 'utf8')) as ModelSpecFile, file };
}

test('the shapes example prepares through prepareData: 600 images, 3 classes, [28, 28, 1]', async () => {
  const { spec, file } = await load('examples/shapes/shapes.model.yaml');
  const data = await prepareData(spec, file, { workspaceRoot: root });
  assert.deepEqual(data.preprocessing.label.classes, ['circle', 'square', 'triangle']);
  assert.deepEqual(data.preprocessing.inputShape, [28, 28, 1]);
  assert.deepEqual(data.info.splits, { train: 420, validation: 90, test: 90 });
  assert.deepEqual(data.info.warnings, []);
  const { x } = await data.test.batch([0, 1]);
  assert.ok(x.every((v) => v >= 0 && v <= 1));
});

test('the headlines example prepares through prepareData: text column → sequences of 16', async () => {
  const { spec, file } = await load('examples/text/headlines.model.yaml');
  const data = await prepareData(spec, file, { workspaceRoot: root });
  assert.equal(data.preprocessing.inputKind, 'sequence');
  assert.deepEqual(data.preprocessing.inputShape, [16]);
  assert.deepEqual(data.preprocessing.label.classes, ['cooking', 'sport', 'technology', 'weather']);
  assert.deepEqual(data.info.splits, { train: 1400, validation: 300, test: 300 });
  // a vocabulary smaller than data.text.maxTokens is nothing to warn about: the embedding is sized to it
  assert.deepEqual(data.info.warnings, []);
});
