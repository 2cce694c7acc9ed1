/**
 * Train/serve parity on a ';'-separated file with decimal commas: the server's text/csv body goes through
 * the training pipeline's CSV reader, so every row the server encodes equals the row training encoded.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepareTable } from '../../../src/engine/data';
import { parseCsvText } from '../../../src/engine/data/readers/csv';
import type { ModelSpecFile } from '../../../src/modelFile/schema';
import { csvToRecords, encodeInstances } from '../../../src/serve/instances';

const ROOT = path.join(__dirname, '../../..');

test('a ";" file with decimal commas: server CSV bodies and JSON strings encode as training did', async () => {
  const header = 'temp;rain mm;kind;"note; free";label';
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 2 ? '-' : ''}${i},${(i * 7) % 10};${i % 4},5;${'abc'[i % 3]};x${i % 5};${i % 2 ? 'wet' : 'dry'}`);
  const text = `${header}\n${rows.join('\n')}\n`;
  const spec = { name: 'p', task: 'classification', data: { source: 'w.csv', label: 'label', split: { validation: 0, test: 0.25, seed: 1, shuffle: false } } } as unknown as ModelSpecFile;
  const p = await prepareTable(spec, text, path.join(ROOT, 'w.csv'), { workspaceRoot: ROOT });
  const prep = JSON.parse(JSON.stringify(p.preprocessing)) as typeof p.preprocessing; // as preprocessing.json holds it
  assert.equal(prep.decimalComma, true);
  assert.deepEqual(p.info.columns.slice(0, 2).map((c) => c.type), ['numeric', 'numeric']);
  const n = p.train.n;
  const expected = (await p.train.batch(Array.from({ length: n }, (_, i) => i))).x;

  // the server's text/csv body: the training rows, header included, exactly as the file wrote them
  const body = `${header}\n${rows.slice(0, n).join('\n')}\n`;
  const parsed = parseCsvText(body);
  assert.equal(parsed.delimiter, ';');
  const served = await encodeInstances(prep, csvToRecords(parsed.rows, prep, 1000), 'csv rows', 'serving_default', { maxInstances: 1000, decimalComma: parsed.delimiter === ';' });
  assert.deepEqual(Array.from(served.x), Array.from(expected));

  // JSON records holding the file's strings ("1,3"): the model remembers its training file wrote decimal commas
  const records = await p.train.raw!(Array.from({ length: n }, (_, i) => i));
  assert.equal(records[1].temp, '-1,7');
  const fromJson = await encodeInstances(prep, JSON.parse(JSON.stringify(records.map((r) => ({ ...r })))), 'instances', 'serving_default', { maxInstances: 1000 });
  assert.deepEqual(Array.from(fromJson.x), Array.from(expected));
  // and a comma-separated body is not read with decimal commas: "1,5" there is two fields
  assert.deepEqual(parseCsvText('a,b\n"1,5",2\n').rows, [['a', 'b'], ['1,5', '2']]);
});
