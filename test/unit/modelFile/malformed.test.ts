/** A malformed-input corpus: every file gives located errors, nothing throws. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadModelFile, SpecError, validateModelText } from '../../../src/modelFile';
import { FIXTURES, VALID, check, only } from './helpers';

const CORPUS = path.join(FIXTURES, 'malformed');

test('every file of the malformed corpus gives errors with positions, never an exception', async () => {
  const files = readdirSync(CORPUS);
  assert.ok(files.length >= 15);
  for (const name of files) {
    const file = path.join(CORPUS, name);
    const text = readFileSync(file, 'utf8');
    const { spec, problems } = await validateModelText(text, file, { workspaceRoot: FIXTURES });
    assert.equal(spec, undefined, name);
    const errors = problems.filter((p) => p.severity === 'error');
    assert.ok(errors.length > 0, `${name}: no error`);
    const lines = Math.max(1, text.split('\n').length);
    for (const p of errors) {
      assert.equal(p.file, file);
      assert.ok(p.line >= 1 && p.line <= lines && p.column >= 1, `${name}: ${p.line}:${p.column}`);
      assert.ok(p.message.length > 10 && !/\bat \S+ \(.*:\d+:\d+\)/.test(p.message), `${name}: ${p.message}`);
      assert.doesNotMatch(p.message, /internal error/, name);
    }
    await assert.rejects(loadModelFile(file, { workspaceRoot: FIXTURES }), SpecError, name);
  }
});

const at = async (name: string) => {
  const file = path.join(CORPUS, name);
  return (await validateModelText(readFileSync(file, 'utf8'), file, { workspaceRoot: FIXTURES })).problems;
};

test('syntax errors say what is wrong, where', async () => {
  const tabs = await at('tabs.model.yaml');
  assert.equal(tabs[0].line, 4);
  assert.equal(tabs[0].column, 1);
  assert.match(tabs[0].message, /tabs are not allowed as indentation/);

  const trailing = await at('trailing-comma.model.json');
  assert.equal(trailing.length, 1);
  assert.equal(trailing[0].line, 4);
  assert.match(trailing[0].message, /invalid JSON.*a trailing comma: JSON allows none/);

  const dup = await at('duplicate-key.model.yaml');
  assert.equal(dup[0].line, 2);
  assert.match(dup[0].message, /duplicate key/);
  const dupJson = await at('duplicate-key.model.json');
  assert.equal(dupJson[0].column, 16);

  assert.match((await at('empty.model.yaml'))[0].message, /the file is empty/);
  assert.match((await at('blank.model.yaml'))[0].message, /no settings/);
  assert.match((await at('binary.model.yaml'))[0].message, /not text/);
  assert.match((await at('png-header.model.yaml'))[0].message, /not text/);
  assert.match((await at('two-documents.model.yaml'))[0].message, /more than one YAML document/);
  assert.match((await at('a-list.model.yaml'))[0].message, /a mapping of keys .* holds a list/);
  assert.match((await at('truncated.model.yaml'))[0].message, /invalid YAML/);
  assert.match((await at('bad-alias.model.yaml'))[0].message, /alias/);
});

test('a NUL byte in otherwise fine text is located', async () => {
  const r = await check('name: a\ntask: regression\nda\u0000ta: 1\n');
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].line, 3);
  assert.equal(r.errors[0].column, 3);
  assert.match(r.errors[0].message, /U\+0000/);
});

test('YAML anchors may not explode (billion laughs)', async () => {
  const lol = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) lol.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`);
  const r = await check(lol.join('\n'));
  assert.ok(r.errors.length > 0);
});

test('a byte-order mark and CRLF line ends are fine', async () => {
  const r = await check('\uFEFFname: flowers\r\ntask: classification\r\ndata:\r\n  source: flowers.csv\r\n  label: species\r\n  lable: x\r\n');
  const p = only(r.errors, 'data.lable');
  assert.equal(p.line, 6);
  assert.equal(p.column, 3);
});

test('random edits of valid files: never an exception, an internal error or a process warning', async () => {
  const bases = ['valid.model.yaml', 'valid.model.json'].map((f) => [path.join(FIXTURES, f), readFileSync(path.join(FIXTURES, f), 'utf8')] as const);
  const pieces = ['', ' ', '\n', ':', '- ', '[', ']', '{', '}', ',', '"', '&a', '*a', '!!str', '-1', '1e309', '.nan', 'null', '~', '#', '\t', '? ', '|', 'type: lstm'];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    for (let i = 0; i < 150; i++) {
      const [file, base] = bases[i % bases.length];
      let text = base;
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
        const pos = Math.floor(rnd() * text.length);
        text = rnd() < 0.4 ? text.slice(0, pos) + text.slice(pos + Math.floor(rnd() * 8)) : text.slice(0, pos) + pieces[Math.floor(rnd() * pieces.length)] + text.slice(pos);
      }
      const { problems } = await validateModelText(text, file, { workspaceRoot: FIXTURES });
      for (const p of problems) {
        assert.ok(p.line >= 1 && p.column >= 1 && !/internal error/.test(p.message), `${JSON.stringify(text)}\n${p.message}`);
      }
    }
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});

test('a key that is a collection is a located error', async () => {
  const r = await check('name: x\n? [a, b]\n: 1\n');
  assert.equal(r.errors[0].line, 2);
  assert.match(r.errors[0].message, /a key must be a name, but this one is a list/);
});

test('deep nesting is a located error that names the limit, in YAML and JSON alike (was a stack overflow)', async () => {
  const json = `{"name": "x", "task": "classification", "data": {"source": "flowers.csv", "label": "species"}, "model": {"layers": [{"type": "dense", "units": ${'['.repeat(5000)}1${']'.repeat(5000)}}]}}`;
  const deep: Array<[string, string]> = [
    ['m.model.json', json],
    ['m.model.yaml', `${VALID}tags: ${'- '.repeat(20_000)}x\n`],
    ['m.model.yaml', `${VALID}extra: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`],
    ['m.model.yaml', `${VALID}extra:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`],
    ['m.model.yaml', `${VALID}extra: ${'['.repeat(3000)}${']'.repeat(3000)}\n`],
  ];
  for (const [file, text] of deep) {
    const r = await check(text, { file });
    assert.equal(r.valid, false);
    assert.equal(r.errors.length, 1, r.errors.map((e) => e.message).join('\n'));
    assert.match(r.errors[0].message, /nests lists and mappings more than 64 levels deep here.*MODEL_STUDIO_MAX_NESTING_DEPTH/);
    assert.doesNotMatch(r.errors[0].message, /internal error|call stack/);
    assert.ok(r.errors[0].line > 1 || file.endsWith('.json'), 'located');
  }
  // Quoted brackets, comments and block scalars are text, not nesting.
  const texts = [
    `${VALID}description: |\n  ${'['.repeat(100)}\n     it's {{{{{{ deep\n# ${'['.repeat(100)}\n`,
    `${VALID}description: "it's ${'['.repeat(100)}" # ${'{'.repeat(100)}\n`,
    `${VALID}description: '${'['.repeat(100)}'\n`,
  ];
  for (const text of texts) {
    const ok = await check(text);
    assert.equal(ok.valid, true, ok.errors.map((e) => e.message).join('\n'));
  }
  // And the limit can be raised.
  process.env.MODEL_STUDIO_MAX_NESTING_DEPTH = '200';
  try {
    assert.equal((await check(`${VALID}description: x\n`.replace('units: 8', `units: ${'['.repeat(100)}8${']'.repeat(100)}`))).errors.some((e) => /nests/.test(e.message)), false);
  } finally {
    delete process.env.MODEL_STUDIO_MAX_NESTING_DEPTH;
  }
});

test('more layers than the limit is one error at model.layers, found before the schema walks them', { timeout: 30_000 }, async () => {
  const layers = '    - { type: dense, units: 1 }\n'.repeat(20_000);
  const r = await check(VALID.replace('    - { type: dense, units: 8, activation: relu }\n', layers));
  assert.equal(r.errors.length, 1);
  const p = only(r.errors, 'model.layers');
  assert.match(p.message, /`model.layers` lists 20,000 layers, more than a model may have \(the limit is 1,000; set MODEL_STUDIO_MAX_LAYERS/);
  assert.equal(p.line, 7);
});

test('a JSON syntax error has a line and column even when JSON.parse names no position', async () => {
  const cases: Array<[string, number, number, RegExp]> = [
    ['{\n  "name": "x",\n  "task": \n}\n', 4, 1, /^invalid JSON: Unexpected token '}'$/],
    ['{\n  "name": "x", // note\n}', 2, 16, /comments are not JSON/],
    ['{"name": "x" "task": 1}', 1, 14, /Expected ',' or '}' after property value/],
    ['{"name": "x",\n "task": "classification"', 2, 26, /Expected ',' or '}'/],
  ];
  for (const [text, line, column, message] of cases) {
    const r = await check(text, { file: 'm.model.json' });
    assert.equal(r.errors.length, 1, text);
    assert.deepEqual([r.errors[0].line, r.errors[0].column], [line, column], `${text}: ${r.errors[0].message}`);
    assert.match(r.errors[0].message, message);
    assert.doesNotMatch(r.errors[0].message, /position|is not valid JSON/);
  }
});
