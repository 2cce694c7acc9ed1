import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deployCurl } from '../../../src/panels/deployExample';
import type { TryItForm } from '../../../src/protocol/webview';

const bodyOf = (curl: string) => JSON.parse(execFileSync('bash', ['-c', `printf %s ${curl.slice(curl.indexOf(" -d '") + 4)}`], { encoding: 'utf8' })) as { instances: Array<Record<string, unknown>> };

test("Deploy's curl sends a real row of the test split, typed as the model takes it", async () => {
  const form: TryItForm = { task: 'classification', modelDir: '/m', fields: [{ name: 'sepal_length', kind: 'number' }, { name: 'colour', kind: 'choice', options: ['red', 'blue'] }, { name: 'note', kind: 'text', multiline: false }] };
  const curl = await deployCurl('http://127.0.0.1:8501', 'iris', form, { sepal_length: '5.1', colour: 'blue', note: "it's fine", species: 'setosa' });
  assert.match(curl, /^curl -s -X POST http:\/\/127\.0\.0\.1:8501\/v1\/models\/iris:predict /);
  // the shell reads what a person pastes: the body is the row, quotes and all
  assert.deepEqual(bodyOf(curl), { instances: [{ sepal_length: 5.1, colour: 'blue', note: "it's fine" }] });
  // a missing value is sent as null (imputed by the server), never as a made-up 0
  assert.deepEqual(bodyOf(await deployCurl('http://h:1', 'iris', form, { sepal_length: 'NA', colour: '' })).instances[0], { sepal_length: null, colour: 'red', note: '' });
});

test("an image goes inline when small, else the shell reads the file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-curl-'));
  try {
    const small = path.join(dir, 'small.png');
    const big = path.join(dir, "it's big.png");
    fs.writeFileSync(small, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    fs.writeFileSync(big, Buffer.alloc(10_000, 7));
    const form: TryItForm = { task: 'classification', modelDir: '/m', fields: [{ name: 'image', kind: 'image' }] };
    assert.deepEqual(bodyOf(await deployCurl('http://h:1', 's', form, { image: small })).instances[0], { image: { b64: fs.readFileSync(small).toString('base64') } });
    const curl = await deployCurl('http://h:1', 's', form, { image: big });
    assert.ok(curl.length < 400, 'a big image is not pasted into the command');
    assert.deepEqual(bodyOf(curl).instances[0], { image: { b64: fs.readFileSync(big).toString('base64') } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
