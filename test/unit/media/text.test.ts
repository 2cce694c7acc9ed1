import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTextFile, encodeText, fitVocabulary, textSettings, textTransform, tokenize } from '../../../src/engine/data/text';

const settings = textSettings({ maxTokens: 6, sequenceLength: 4 });

test('tokenizer: lower-cases, splits on punctuation, keeps inner apostrophes and non-ASCII letters', () => {
  assert.deepEqual(tokenize("Hello, World! Don't stop—café 42.", settings), ['hello', 'world', "don't", 'stop', 'café', '42']);
  assert.deepEqual(tokenize('Hi, you!', { lowercase: false, stripPunctuation: false }), ['Hi', ',', 'you', '!']);
  assert.deepEqual(tokenize(null, settings), []);
  assert.deepEqual(tokenize('', settings), []);
});

test('vocabulary: padding and OOV first, then most frequent, ties in code-point order, capped at maxTokens', () => {
  const vocab = fitVocabulary(['b a a c', 'c d e', 'a'], settings);
  assert.deepEqual(vocab, ['', '[UNK]', 'a', 'c', 'b', 'd']);
});

test('encoding: ids, OOV = 1, padding at the start, truncation keeps the first tokens, empty text is all padding', () => {
  const t = textTransform('text', ['', '[UNK]', 'a', 'c', 'b', 'd'], settings);
  assert.deepEqual(Array.from(encodeText(t, 'a zzz')), [0, 0, 2, 1]);
  assert.deepEqual(Array.from(encodeText(t, 'd c b a a a')), [5, 3, 4, 2]);
  assert.deepEqual(Array.from(encodeText(t, '')), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(encodeText(t, undefined)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(encodeText(t, '[UNK]')), [0, 0, 0, 1]);
});

test('text files: UTF-8 (with or without BOM), UTF-16 with BOM, and a warning naming the file for anything else', () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  assert.equal(decodeTextFile(Buffer.from('\uFEFFcafé', 'utf8'), 'a.txt', warn), 'café');
  assert.equal(decodeTextFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hé', 'utf16le')]), 'b.txt', warn), 'hé');
  assert.equal(warnings.length, 0);
  assert.equal(decodeTextFile(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'pos/c.txt', warn), 'café'); // Latin-1 é
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /pos\/c\.txt: not valid UTF-8 \(first bad byte at offset 3\)/);
});
