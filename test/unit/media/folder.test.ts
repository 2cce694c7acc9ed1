import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { prepareFolderData } from '../../../src/engine/data/folder';
import { encodeMediaInputs } from '../../../src/engine/data/encodeMedia';
import { prepareData } from '../../../src/engine/data';
import { imageStats } from '../../../src/engine/data/image';
import { DataError } from '../../../src/engine/data/types';
import { rgbPng, solidJpeg, specWith, tempWorkspace, write } from './helpers';

const COLOURS: Record<string, [number, number, number]> = { blue: [0, 0, 255], green: [0, 255, 0], red: [255, 0, 0] };

/** ws/data/<class>/<i>.png, `perClass` images of 12×10 pixels in the class's colour. */
async function imageWorkspace(perClass = 10): Promise<{ ws: string; specFile: string }> {
  const ws = await tempWorkspace();
  for (const [name, rgb] of Object.entries(COLOURS)) {
    for (let i = 0; i < perClass; i++) await write(path.join(ws, 'data', name, `${String(i).padStart(3, '0')}.png`), rgbPng(12, 10, () => rgb));
  }
  await write(path.join(ws, 'notes.txt'), 'not data');
  return { ws, specFile: path.join(ws, 'shapes.model.yaml') };
}

test('class folders: classes, stratified split sizes, shapes, labels and raw records', async () => {
  const { ws, specFile } = await imageWorkspace();
  const spec = specWith({ source: 'data', label: 'colour', image: { size: [4, 6], channels: 3, scale: 'unit', onError: 'fail' } });
  const data = await prepareFolderData(spec, specFile, { workspaceRoot: ws });
  assert.deepEqual(data.preprocessing.label.classes, ['blue', 'green', 'red']);
  assert.equal(data.preprocessing.inputKind, 'image');
  assert.deepEqual(data.preprocessing.inputShape, [4, 6, 3]);
  assert.deepEqual(data.info.splits, { train: 18, validation: 6, test: 6 });
  assert.deepEqual(data.info.classBalance, [{ label: 'blue', count: 10 }, { label: 'green', count: 10 }, { label: 'red', count: 10 }]);
  const { x, y } = await data.test.batch([0, 1, 2, 3, 4, 5]);
  assert.equal(x.length, 6 * 4 * 6 * 3);
  assert.deepEqual(Array.from(y).sort(), [0, 0, 1, 1, 2, 2]); // stratified: two of each class
  // each sample's pixels are its class's colour
  for (let k = 0; k < 6; k++) {
    const rgb = COLOURS[['blue', 'green', 'red'][y[k]]].map((v) => v / 255);
    assert.deepEqual(Array.from(x.subarray(k * 72, k * 72 + 3)), rgb);
  }
  const raw = await data.test.raw?.([0]);
  assert.ok(raw && typeof raw[0].image === 'string' && String(raw[0].image).endsWith('.png'));
  assert.equal(raw?.[0].colour, ['blue', 'green', 'red'][y[0]]);
});

test('batch() decodes only the images of the batch; prepare decodes none (unit scale)', async () => {
  const { ws, specFile } = await imageWorkspace(8);
  const before = imageStats.decoded;
  const data = await prepareFolderData(specWith({ source: 'data', label: 'c', image: { size: [8, 8], channels: 1 } }), specFile, { workspaceRoot: ws });
  assert.equal(imageStats.decoded, before);
  await data.train.batch([0, 3, 5]);
  assert.equal(imageStats.decoded, before + 3);
  await data.train.batch([1]);
  assert.equal(imageStats.decoded, before + 4);
});

test('standardize fits per-channel mean/std on the training images', async () => {
  const { ws, specFile } = await imageWorkspace(10);
  const data = await prepareFolderData(specWith({ source: 'data', label: 'c', image: { size: [2, 2], channels: 3, scale: 'standardize' } }), specFile, { workspaceRoot: ws });
  const t = data.preprocessing.features[0];
  assert.equal(t.kind, 'image');
  if (t.kind !== 'image') return;
  // every channel is 1 in a third of the images, 0 in the rest (stratified train split)
  t.mean.forEach((m) => assert.ok(Math.abs(m - 1 / 3) < 1e-6, `mean ${m}`));
  t.std.forEach((s) => assert.ok(Math.abs(s - Math.sqrt(2) / 3) < 1e-6, `std ${s}`));
  const { x } = await data.train.batch(Array.from({ length: data.train.n }, (_, i) => i));
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  assert.ok(Math.abs(mean) < 1e-5);
});

test('augmentation only when the batch asks for it, and seeded', async () => {
  const ws = await tempWorkspace();
  for (const cls of ['a', 'b']) {
    for (let i = 0; i < 5; i++) await write(path.join(ws, 'd', cls, `${i}.png`), rgbPng(8, 8, (x) => [x * 30, cls === 'a' ? 0 : 200, 0]));
  }
  const spec = specWith({ source: 'd', label: 'c', image: { size: [8, 8], channels: 3, augment: { flipHorizontal: true, brightness: 0.3 } } });
  const data = await prepareFolderData(spec, path.join(ws, 'm.model.yaml'), { workspaceRoot: ws });
  const idx = Array.from({ length: data.train.n }, (_, i) => i);
  const plain1 = await data.train.batch(idx);
  const plain2 = await data.train.batch(idx, { augment: false, seed: 5 });
  assert.deepEqual(plain1.x, plain2.x);
  const aug1 = await data.train.batch(idx, { augment: true, seed: 5 });
  const aug2 = await data.train.batch(idx, { augment: true, seed: 5 });
  const aug3 = await data.train.batch(idx, { augment: true, seed: 6 });
  assert.deepEqual(aug1.x, aug2.x);
  assert.notDeepEqual(aug1.x, plain1.x);
  assert.notDeepEqual(aug1.x, aug3.x);
  assert.deepEqual(aug1.y, plain1.y);
});

test('a corrupt image fails with its path, or is skipped with a warning (onError: skip)', async () => {
  const { ws, specFile } = await imageWorkspace(5);
  const bad = path.join(ws, 'data', 'red', 'broken.png');
  await write(bad, rgbPng(12, 10, () => [1, 1, 1]).subarray(0, 60));
  await write(path.join(ws, 'data', 'red', 'fake.jpg'), 'hello');
  await write(path.join(ws, 'data', 'README.md'), 'about the data');
  await assert.rejects(
    prepareFolderData(specWith({ source: 'data', label: 'c' }), specFile, { workspaceRoot: ws }),
    (err: unknown) => err instanceof DataError && err.file === bad && /broken\.png: truncated PNG.*onError: skip/.test(err.message),
  );
  const seen: string[] = [];
  const data = await prepareFolderData(specWith({ source: 'data', label: 'c', image: { onError: 'skip' } }), specFile, { workspaceRoot: ws, onWarning: (m) => seen.push(m) });
  assert.equal(data.info.rows, 17);
  assert.equal(data.info.droppedRows, 2);
  assert.equal(data.train.n + data.validation.n + data.test.n, 15);
  assert.ok(data.info.warnings.some((w) => /broken\.png: truncated PNG.*skipped/.test(w)));
  assert.ok(data.info.warnings.some((w) => /fake\.jpg: not a PNG or JPEG.*skipped/.test(w)));
  assert.ok(data.info.warnings.some((w) => /1 file directly in .* ignored/.test(w)), data.info.warnings.join('\n'));
  assert.deepEqual(seen, data.info.warnings);
});

test('an image that breaks after prepare: batch() fails with the path, or feeds a blank image with one warning', async () => {
  const { ws, specFile } = await imageWorkspace(4);
  for (const onError of ['fail', 'skip'] as const) {
    const data = await prepareFolderData(specWith({ source: 'data', label: 'c', image: { size: [3, 3], onError } }), specFile, { workspaceRoot: ws });
    const raw = await data.train.raw?.([0]);
    const file = String(raw?.[0]._path);
    const original = await fs.readFile(file);
    await fs.writeFile(file, Buffer.concat([original.subarray(0, 40), original.subarray(original.length - 12)])); // header and IEND kept
    try {
      if (onError === 'fail') {
        await assert.rejects(data.train.batch([0, 1]), (err: unknown) => err instanceof DataError && err.file === file);
      } else {
        const { x } = await data.train.batch([0, 1]);
        assert.ok(x.subarray(0, 27).every((v) => v === 0));
        assert.ok(x.subarray(27).some((v) => v !== 0));
        await data.train.batch([0]);
        assert.equal(data.info.warnings.filter((w) => w.includes(path.basename(file)) && /blank image/.test(w)).length, 1);
      }
    } finally {
      await fs.writeFile(file, original);
    }
  }
});

test('a folder is classification data; missing or empty folders are clear errors', async () => {
  const { ws, specFile } = await imageWorkspace(2);
  await assert.rejects(prepareFolderData(specWith({ source: 'data', label: 'c' }, 'regression'), specFile, { workspaceRoot: ws }), /task: classification/);
  await assert.rejects(prepareFolderData(specWith({ source: 'nope', label: 'c' }), specFile, { workspaceRoot: ws }), /folder not found/);
  await fs.mkdir(path.join(ws, 'empty'));
  await assert.rejects(prepareFolderData(specWith({ source: 'empty', label: 'c' }), specFile, { workspaceRoot: ws }), /no class subfolders/);
});

test('text folders: vocabulary fitted on the training split only; empty and non-UTF-8 files handled', async () => {
  const ws = await tempWorkspace();
  const n = 10;
  for (let i = 0; i < n; i++) {
    await write(path.join(ws, 'reviews', 'pos', `${i}.txt`), `great movie number${i} loved it`);
    await write(path.join(ws, 'reviews', 'neg', `${i}.txt`), `awful movie token${i} hated it`);
  }
  await write(path.join(ws, 'reviews', 'neg', 'empty.txt'), '');
  await write(path.join(ws, 'reviews', 'pos', 'latin1.txt'), Buffer.from([0x74, 0x72, 0xe8, 0x73, 0x20, 0x62, 0x69, 0x65, 0x6e])); // "très bien"
  const spec = specWith({ source: 'reviews', label: 'sentiment', text: { maxTokens: 1000, sequenceLength: 6 } });
  const data = await prepareFolderData(spec, path.join(ws, 'r.model.yaml'), { workspaceRoot: ws });
  assert.equal(data.preprocessing.inputKind, 'sequence');
  assert.deepEqual(data.preprocessing.inputShape, [6]);
  assert.deepEqual(data.preprocessing.label.classes, ['neg', 'pos']);
  const t = data.preprocessing.features[0];
  assert.ok(t.kind === 'text');
  if (t.kind !== 'text') return;
  const texts = async (split: typeof data.train) => (await split.raw?.(Array.from({ length: split.n }, (_, i) => i))) ?? [];
  const trainFiles = (await texts(data.train)).map((r) => String(r._path));
  const testFiles = (await texts(data.test)).map((r) => String(r._path));
  const first = (await texts(data.train)).find((r) => /\d+\.txt$/.test(String(r._path))) ?? {};
  assert.equal(first.text, await fs.readFile(String(first._path), 'utf8')); // the record holds the text itself
  // a file's unique token is in the vocabulary exactly when the file is in the training split
  for (const f of [...trainFiles, ...testFiles]) {
    const m = /(pos|neg)\/(\d+)\.txt$/.exec(f);
    if (!m) continue;
    const token = `${m[1] === 'pos' ? 'number' : 'token'}${m[2]}`;
    assert.equal(t.vocabulary.includes(token), trainFiles.includes(f), `${token} (${f})`);
  }
  assert.equal(t.vocabulary[0], '');
  assert.equal(t.vocabulary[1], '[UNK]');
  assert.ok(data.info.warnings.some((w) => /latin1\.txt: not valid UTF-8/.test(w)));
  assert.ok(data.info.warnings.some((w) => /1 text is empty/.test(w)));
  const { x } = await data.train.batch([0, 1]);
  assert.equal(x.length, 12);
});

test('a table with an image-path column: paths relative to the data file, confined to the workspace', async () => {
  const ws = await tempWorkspace();
  await write(path.join(ws, 'imgs', 'a.png'), rgbPng(5, 5, () => [255, 255, 255]));
  await write(path.join(ws, 'imgs', 'b.jpg'), solidJpeg(5, 5, [0, 0, 0]));
  const rows = Array.from({ length: 10 }, (_, i) => ({ id: String(i), file: `imgs/${i % 2 ? 'a.png' : 'b.jpg'}`, kind: i % 2 ? 'white' : 'black' }));
  const csv = (list: Array<Record<string, string>>) => `id,file,kind\n${list.map((r) => `${r.id},${r.file},${r.kind}`).join('\n')}\n`;
  await write(path.join(ws, 'list.csv'), csv(rows));
  const spec = specWith({ source: 'list.csv', label: 'kind', image: { size: [2, 2], channels: 1 }, split: { validation: 0.2, test: 0.2, seed: 1, stratify: true, shuffle: true } });
  const data = await prepareData(spec, path.join(ws, 'm.model.yaml'), { workspaceRoot: ws });
  assert.deepEqual(data.info.features, ['file']);
  assert.ok(data.info.warnings.some((w) => /'id' left out/.test(w)));
  const { x, y } = await data.train.batch([0]);
  assert.ok(Math.abs(x[0] - (y[0] === 1 ? 1 : 0)) < 0.05); // white → 1, black → 0 ('black' < 'white')

  await write(path.join(ws, 'list.csv'), csv([...rows, { id: 'x', file: '../../etc/passwd.png', kind: 'white' }]));
  await assert.rejects(
    prepareData(spec, path.join(ws, 'm.model.yaml'), { workspaceRoot: ws }),
    (err: unknown) => err instanceof DataError && err.row === 12 && /outside the workspace/.test(err.message),
  );
  await write(path.join(ws, 'list.csv'), csv([...rows, { id: 'y', file: 'imgs/none.png', kind: 'white' }]));
  await assert.rejects(
    prepareData(spec, path.join(ws, 'm.model.yaml'), { workspaceRoot: ws }),
    (err: unknown) => err instanceof DataError && err.row === 12 && /none\.png: file not found/.test(err.message),
  );
});

test('a table with a text column, and the serving encoder for raw text and base64 images', async () => {
  const ws = await tempWorkspace();
  const rows = Array.from({ length: 20 }, (_, i) => ({ review: i === 3 ? '' : `${i % 2 ? 'good' : 'bad'} film ${i}`, stars: String(i % 5) }));
  await write(path.join(ws, 't.csv'), `review,stars\n${rows.map((r) => `${r.review},${r.stars}`).join('\n')}\n`);
  const spec = specWith({ source: 't.csv', label: 'stars', columns: { review: { type: 'text' } }, text: { maxTokens: 50, sequenceLength: 5 } }, 'regression');
  const data = await prepareData(spec, path.join(ws, 'm.model.yaml'), { workspaceRoot: ws });
  assert.equal(data.preprocessing.inputKind, 'sequence');
  assert.equal(typeof data.preprocessing.label.center, 'number');
  const first = (await data.train.raw?.([0]))?.[0];
  const fromBatch = (await data.train.batch([0])).x;
  const served = await encodeMediaInputs(data.preprocessing, [first, { review: first?.review }, first?.review]);
  assert.deepEqual(Array.from(served.subarray(0, 5)), Array.from(fromBatch));
  assert.deepEqual(Array.from(served.subarray(5, 10)), Array.from(fromBatch));
  assert.deepEqual(Array.from(served.subarray(10, 15)), Array.from(fromBatch));
  await assert.rejects(encodeMediaInputs(data.preprocessing, [{ title: 'x' }]), /unknown field 'title'/);

  // images: base64, data URL, {"b64"} and (CLI) a path all give the batch's input
  const { ws: iws, specFile } = await imageWorkspace(3);
  const img = await prepareFolderData(specWith({ source: 'data', label: 'c', image: { size: [5, 5], channels: 3, scale: 'standardize' } }), specFile, { workspaceRoot: iws });
  const rec = (await img.test.raw?.([0]))?.[0] ?? {};
  const bytes = await fs.readFile(String(rec._path));
  const b64 = bytes.toString('base64');
  const expected = Array.from((await img.test.batch([0])).x);
  const out = await encodeMediaInputs(img.preprocessing, [b64, `data:image/png;base64,${b64}`, { b64 }, { image: { b64 } }, String(rec._path)], { baseDir: iws });
  for (let k = 0; k < 5; k++) assert.deepEqual(Array.from(out.subarray(k * 75, (k + 1) * 75)), expected);
  await assert.rejects(encodeMediaInputs(img.preprocessing, ['not base64!']), /not valid base64/);
  await assert.rejects(encodeMediaInputs(img.preprocessing, [Buffer.from('garbage').toString('base64')]), /not a PNG or JPEG/);
});

test('a FIFO among the images or texts of a class folder is refused by name, never read', { timeout: 30_000 }, async () => {
  const { ws, specFile } = await imageWorkspace(3);
  execFileSync('mkfifo', [path.join(ws, 'pipe.png')]);
  await fs.symlink('../../pipe.png', path.join(ws, 'data', 'red', 'zz.png'));
  const spec = specWith({ source: 'data', label: 'colour', image: { size: [4, 6], channels: 3, scale: 'unit', onError: 'fail' } });
  await assert.rejects(prepareFolderData(spec, specFile, { workspaceRoot: ws }), (e: unknown) => e instanceof DataError && /zz\.png.*named pipe \(FIFO\), not a regular file/.test(e.message));
  const texts = await tempWorkspace();
  for (const c of ['a', 'b']) for (let i = 0; i < 3; i++) await write(path.join(texts, 'data', c, `${i}.txt`), `words of ${c}`);
  execFileSync('mkfifo', [path.join(texts, 'pipe.txt')]);
  await fs.symlink('../../pipe.txt', path.join(texts, 'data', 'a', 'zz.txt'));
  await assert.rejects(prepareFolderData(specWith({ source: 'data', label: 'c' }), path.join(texts, 'm.model.yaml'), { workspaceRoot: texts }), /zz\.txt.*named pipe/);
  await fs.rm(texts, { recursive: true, force: true });
  await fs.rm(ws, { recursive: true, force: true });
});

test('symlinks in class folders and image paths are followed by their real path: out of the workspace is refused, inside is fine', async () => {
  const top = await tempWorkspace();
  const ws = path.join(top, 'ws');
  const outside = path.join(top, 'outside');
  await write(path.join(outside, 'secret.txt'), 'password hunter2 topsecret');
  await write(path.join(outside, 'imgs', 'a.png'), rgbPng(5, 5, () => [255, 255, 255]));
  for (const c of ['pos', 'neg']) for (let i = 0; i < 4; i++) await write(path.join(ws, 'data', c, `${i}.txt`), `${c} words ${i}`);
  const spec = specWith({ source: 'data', label: 'sentiment' });
  const file = path.join(ws, 'm.model.yaml');
  // A text linked in from outside: its words would end up in the saved vocabulary.
  await fs.symlink('../../../outside/secret.txt', path.join(ws, 'data', 'pos', 'zz-secret.txt'));
  await assert.rejects(prepareFolderData(spec, file, { workspaceRoot: ws }), (e: unknown) =>
    e instanceof DataError && /zz-secret\.txt.*is a symbolic link that leads outside the workspace \(to .*outside\/secret\.txt\)/.test(e.message));
  await fs.rm(path.join(ws, 'data', 'pos', 'zz-secret.txt'));
  // A linked class folder from outside, the same.
  await fs.symlink('../../outside/imgs', path.join(ws, 'data', 'linked'));
  await assert.rejects(prepareFolderData(spec, file, { workspaceRoot: ws }), /data\/linked.*symbolic link that leads outside the workspace/);
  await fs.rm(path.join(ws, 'data', 'linked'));
  // A link that stays inside the workspace is fine, and counts as what it points to.
  for (let i = 0; i < 4; i++) await write(path.join(ws, 'shared', `${i}.txt`), `shared words ${i}`);
  await fs.symlink('../shared', path.join(ws, 'data', 'third'));
  const ok = await prepareFolderData(spec, file, { workspaceRoot: ws });
  assert.deepEqual(ok.preprocessing.label.classes, ['neg', 'pos', 'third']);
  const vocabulary = (ok.preprocessing.features[0] as { vocabulary: string[] }).vocabulary;
  assert.ok(!vocabulary.includes('hunter2'));

  // An image-path column through a symlinked folder: the written path is inside, the real one is not.
  await fs.symlink('../outside/imgs', path.join(ws, 'pics'));
  for (let i = 0; i < 5; i++) await write(path.join(ws, 'imgs', `${i}.png`), rgbPng(5, 5, () => [i * 40, 0, 0]));
  const lines = Array.from({ length: 6 }, (_, i) => `${i === 5 ? 'pics/a.png' : `imgs/${i}.png`},${i % 2 ? 'a' : 'b'}`);
  await write(path.join(ws, 'list.csv'), `file,kind\n${lines.join('\n')}\n`);
  await assert.rejects(prepareData(specWith({ source: 'list.csv', label: 'kind', image: { size: [2, 2], channels: 1, onError: 'fail' } }), file, { workspaceRoot: ws }),
    (e: unknown) => e instanceof DataError && e.row === 7 && /"pics\/a\.png" is a symbolic link that leads outside the workspace/.test(e.message));
  await fs.rm(top, { recursive: true, force: true });
});
