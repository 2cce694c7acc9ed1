import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, edit, FLOWERS_CSV, only, VALID } from './helpers';

const layers = (...ls: string[]) => edit('    - { type: dense, units: 8, activation: relu }', ls.map((l) => `    - ${l}`).join('\n'));

test('split fractions must leave rows for training', async () => {
  const r = await check(edit('  label: species', '  label: species\n  split: { validation: 0.5, test: 0.5 }'));
  const p = only(r.errors, 'data.split.test');
  assert.match(p.message, /`data.split.validation` \(0.5\) and `data.split.test` \(0.5\) add up to 1.*below 1/);
  assert.equal(p.line, 6);
  const ok = await check(edit('  label: species', '  label: species\n  split: { validation: 0.3, test: 0.3 }'));
  assert.equal(ok.valid, true);
});

test('earlyStopping.monitor must name a metric training reports', async () => {
  const bad = await check(edit('  metrics: [accuracy]', '  metrics: [accuracy]\n  earlyStopping: { monitor: val_acuracy }'));
  const p = only(bad.errors, 'train.earlyStopping.monitor');
  assert.match(p.message, /watches `val_acuracy`.*did you mean `val_accuracy`\?/);
  assert.ok(p.allowed?.includes('val_loss'));
  for (const m of ['loss', 'val_loss', 'accuracy', 'val_acc']) {
    const r = await check(edit('  metrics: [accuracy]', `  metrics: [accuracy]\n  earlyStopping: { monitor: ${m} }`));
    assert.equal(r.valid, true, `${m}: ${r.errors.map((e) => e.message).join('; ')}`);
  }
  const notListed = await check(edit('  metrics: [accuracy]', '  metrics: [accuracy]\n  earlyStopping: { monitor: val_precision }'));
  assert.match(only(notListed.errors, 'train.earlyStopping.monitor').message, /add a metric to `train.metrics`/);
  const noValidation = await check(edit('  label: species', '  label: species\n  split: { validation: 0 }', edit('  metrics: [accuracy]', '  metrics: [accuracy]\n  earlyStopping: { monitor: val_loss }')));
  assert.match(only(noValidation.errors, 'train.earlyStopping.monitor').message, /`data.split.validation` is 0/);
  const lr = await check(edit('  metrics: [accuracy]', '  metrics: [accuracy]\n  lrSchedule: { type: reduceOnPlateau, monitor: val_mse }'));
  assert.match(only(lr.errors, 'train.lrSchedule.monitor').message, /watches `val_mse`/);
});

test('loss and metrics must fit the task', async () => {
  const reg = edit('task: classification', 'task: regression', edit('  label: species', '  label: petal_width\n  exclude: [species]'));
  const r = await check(edit('  metrics: [accuracy]', '  loss: categoricalCrossentropy\n  metrics: [accuracy]', reg));
  assert.match(only(r.errors, 'train.loss').message, /`train.loss` is `categoricalCrossentropy`, a classification loss, but `task` is `regression`/);
  assert.match(only(r.errors, 'train.metrics[0]').message, /`accuracy`, a classification metric/);
  const warned = await check(edit('  metrics: [accuracy]', '  loss: meanSquaredError\n  metrics: [accuracy]'));
  assert.equal(warned.valid, true);
  assert.match(only(warned.warnings, 'train.loss').message, /regression loss/);
});

test('the label may not be a feature', async () => {
  const r = await check(edit('  label: species', '  label: species\n  features: [sepal_length, species]'));
  const p = only(r.errors, 'data.features[1]');
  assert.match(p.message, /lists the label `species` \(`data.label`\)/);
  assert.equal(p.line, 6);
  assert.equal(p.column, 28);
});

test('label, features, exclude and columns must be columns of the data (header only)', async () => {
  const r = await check(edit('  label: species', '  label: Species\n  features: [sepal_length, sepal_lenght]\n  exclude: [id]\n  columns: { petal_widht: { type: numeric } }'));
  assert.match(only(r.errors, 'data.label').message, /`data.label` is `Species`, which is not a column of flowers.csv; did you mean `species`\? Columns: sepal_length/);
  assert.match(only(r.errors, 'data.features[1]').message, /did you mean `sepal_length`/);
  assert.match(only(r.errors, 'data.exclude[0]').message, /`data.exclude\[0\]` is `id`, which is not a column/);
  const col = only(r.errors, 'data.columns.petal_widht');
  assert.match(col.message, /did you mean `petal_width`/);
  assert.equal(col.line, 8);
  assert.equal(col.column, 14);
  assert.deepEqual(only(r.errors, 'data.label').allowed, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
  const skipped = await check(edit('  label: species', '  label: Species'), { checkData: false });
  assert.equal(skipped.valid, true);
});

test('columns of json, jsonl and tsv sources are read too', async () => {
  const files = {
    'd.json': '[{"a": 1, "y": "p"}, {"a": 2, "b": 3, "y": "q"}]',
    'd.jsonl': '{"a": 1, "y": "p"}\n{"a": 2, "y": "q"}\n',
    'd.tsv': 'a\tb c\ty\n1\t2\tp\n',
  };
  for (const [src, label, good] of [['d.json', 'b', true], ['d.jsonl', 'b', false], ['d.tsv', 'b c', true]] as const) {
    const r = await check(edit('  source: flowers.csv\n  label: species', `  source: ${src}\n  label: "${label}"`), { files });
    assert.equal(r.valid, good, `${src}: ${r.errors.map((e) => e.message).join('; ')}`);
  }
});

test('data.source must exist; a folder is an image (or text) source', async () => {
  const missing = await check(edit('  source: flowers.csv', '  source: nope/flowers.csv'));
  const p = only(missing.errors, 'data.source');
  assert.match(p.message, /`data.source` nope\/flowers.csv does not exist/);
  assert.equal(p.line, 4);
  assert.equal(p.column, 11);
  const folder = await check(edit('  source: flowers.csv', '  source: imgs\n  format: csv'), { files: { 'imgs/a/1.png': '', 'imgs/b/2.png': '' } });
  assert.match(only(folder.errors, 'data.format').message, /is a folder/);
  const file = await check(edit('  source: flowers.csv', '  source: flowers.csv\n  format: images'));
  assert.match(only(file.errors, 'data.format').message, /is a file/);
  const empty = await check(edit('  source: flowers.csv', '  source: empty.csv'), { files: { 'empty.csv': '' } });
  assert.match(only(empty.errors, 'data.source').message, /cannot read the columns .*empty/);
});

test('conv2d and 2-D pooling need image-shaped input', async () => {
  const r = await check(layers('{ type: conv2d, filters: 4, kernelSize: 3 }', '{ type: flatten }'));
  const p = only(r.errors, 'model.layers[0].type');
  assert.match(p.message, /`model.layers\[0\]` \(conv2d\) needs an image \[height, width, channels\] as input, but gets a flat vector from the model's input \(`data.source` flowers.csv is a table with no column declared image or text\)/);
  assert.match(p.message, /folder of images/);
  const folder = await check(edit('  source: flowers.csv', '  source: imgs', layers('{ type: conv2d, filters: 4, kernelSize: 3 }', '{ type: maxPooling2d }', '{ type: flatten }')),
    { files: { 'imgs/a/1.png': '', 'imgs/b/2.png': '' } });
  assert.deepEqual(folder.errors, []);
  const reshaped = await check(layers('{ type: reshape, targetShape: [2, 2, 1] }', '{ type: conv2d, filters: 4, kernelSize: 1 }', '{ type: globalMaxPooling2d }'));
  assert.deepEqual(reshaped.errors, []);
  const afterFlatten = await check(edit('  source: flowers.csv', '  source: imgs', layers('{ type: flatten }', '{ type: maxPooling2d }')), { files: { 'imgs/a/1.png': '' } });
  assert.match(only(afterFlatten.errors, 'model.layers[1].type').message, /gets a flat vector from the output of `model.layers\[0\]` \(flatten\)/);
  const imageColumn = await check(edit('  label: species', '  label: species\n  features: [sepal_length]\n  columns: { sepal_length: { type: image } }', layers('{ type: conv2d, filters: 2, kernelSize: 3 }', '{ type: flatten }')));
  assert.deepEqual(imageColumn.errors, []);
});

test('recurrent and 1-D conv layers need sequences; embedding needs text', async () => {
  const lstm = await check(layers('{ type: lstm, units: 4 }'));
  assert.match(only(lstm.errors, 'model.layers[0].type').message, /\(lstm\) needs a sequence \[steps, features\] as input, but gets a flat vector.*text column/);
  const text = edit('  label: species', '  label: species\n  features: [sepal_length]\n  columns: { sepal_length: { type: text } }');
  const noEmbedding = await check(layers('{ type: conv1d, filters: 2, kernelSize: 3 }', '{ type: globalMaxPooling1d }'), {});
  assert.equal(noEmbedding.valid, false);
  const good = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: embedding, outputDim: 8 }\n    - { type: lstm, units: 4 }', text));
  assert.deepEqual(good.errors, []);
  const idsIntoLstm = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: gru, units: 4 }', text));
  assert.match(only(idsIntoLstm.errors, 'model.layers[0].type').message, /add an `embedding` layer first/);
  const guessed = await check(layers('{ type: embedding, outputDim: 8 }', '{ type: globalAveragePooling1d }'));
  assert.equal(guessed.valid, true);
  assert.match(only(guessed.warnings, 'model.layers[0].type').message, /no feature is declared as text/);
  const late = await check(layers('{ type: dense, units: 3 }', '{ type: embedding, outputDim: 8 }'));
  assert.match(only(late.errors, 'model.layers[1].type').message, /must read the text input directly/);
  const dims = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: embedding, outputDim: 8, inputDim: 50 }\n    - { type: flatten }', edit('  label: species', '  label: species\n  text: { maxTokens: 100 }', VALID)));
  assert.match(only(dims.errors, 'model.layers[0].inputDim').message, /`data.text.maxTokens` is 100/);
  const seqOut = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: embedding, outputDim: 8 }\n    - { type: lstm, units: 4, returnSequences: true }', text));
  assert.match(only(seqOut.warnings, 'model.layers[1].type').message, /outputs a sequence/);
});

test('a folder source: classes in subfolders, images or texts decide the input, classification only', async () => {
  const texts = { 'docs/pos/1.txt': 'good', 'docs/neg/2.txt': 'bad', 'docs/neg/3.txt': 'meh' };
  const textModel = edit('  source: flowers.csv', '  source: docs', layers('{ type: embedding, outputDim: 8 }', '{ type: lstm, units: 4 }'));
  const ok = await check(textModel, { files: texts });
  assert.deepEqual(ok.problems, []);
  const conv = await check(edit('  source: flowers.csv', '  source: docs', layers('{ type: conv2d, filters: 2, kernelSize: 3 }')), { files: texts });
  assert.match(only(conv.errors, 'model.layers[0].type').message, /docs is a folder of texts/);
  const flat = await check(edit('  source: flowers.csv', '  source: loose'), { files: { 'loose/1.png': '' } });
  assert.match(only(flat.errors, 'data.source').message, /without class subfolders/);
  const regression = await check(edit('task: classification', 'task: regression', edit('  source: flowers.csv', '  source: docs', edit('  metrics: [accuracy]', '  metrics: []'))), { files: texts });
  assert.match(only(regression.errors, 'task').message, /folder with one subfolder per class, which is classification data/);
});

test('parameters the chosen optimiser or schedule ignores are warnings; a contradictory mode too', async () => {
  const r = await check(edit('  metrics: [accuracy]', '  metrics: [accuracy]\n  optimizer: { type: adam, momentum: 0.9, beta1: 0.8 }\n  lrSchedule: { type: cosine, patience: 3, warmupEpochs: 2 }\n  earlyStopping: { monitor: val_accuracy, mode: min }'));
  assert.equal(r.valid, true);
  assert.match(only(r.warnings, 'train.optimizer.momentum').message, /has no effect with `adam`; it applies to momentum, rmsprop/);
  assert.match(only(r.warnings, 'train.lrSchedule.patience').message, /has no effect with `cosine`; it applies to reduceOnPlateau/);
  assert.match(only(r.warnings, 'train.earlyStopping.mode').message, /improves as it goes up/);
  assert.equal(r.warnings.length, 3);
  const plateau = await check(edit('  label: species', '  label: species\n  split: { validation: 0 }', edit('  metrics: [accuracy]', '  metrics: [accuracy]\n  lrSchedule: { type: reduceOnPlateau }')));
  assert.match(only(plateau.errors, 'train.lrSchedule').message, /watches `val_loss` by default/);
});

test('undeclared columns that hold image paths or free text count as such (guessed from the first rows)', async () => {
  const pics = `file,kind\n${Array.from({ length: 12 }, (_, i) => `img/${i}.png,${i % 2 ? 'cat' : 'dog'}`).join('\n')}\n`;
  const conv = await check(edit('  source: flowers.csv\n  label: species', '  source: pics.csv\n  label: kind', layers('{ type: conv2d, filters: 2, kernelSize: 3 }', '{ type: flatten }')), { files: { 'pics.csv': pics } });
  assert.deepEqual(conv.problems, []);
  const sentences = `review,stars\n${Array.from({ length: 12 }, (_, i) => `"this film number ${i} was rather good and long",${i % 5}`).join('\n')}\n`;
  const emb = await check(edit('  source: flowers.csv\n  label: species', '  source: reviews.csv\n  label: stars', layers('{ type: embedding, outputDim: 4 }', '{ type: lstm, units: 2 }')), { files: { 'reviews.csv': sentences } });
  assert.deepEqual(emb.problems, []);
  const convOnText = await check(edit('  source: flowers.csv\n  label: species', '  source: reviews.csv\n  label: stars', layers('{ type: conv2d, filters: 2, kernelSize: 3 }')), { files: { 'reviews.csv': sentences } });
  assert.match(only(convOnText.errors, 'model.layers[0].type').message, /column `review` looks like free text/);
});

test('a layer too big to train is refused at validation with the estimate and the limit (was ok, then 13 GB)', async () => {
  const r = await check(edit('{ type: dense, units: 8, activation: relu }', '{ type: dense, units: 1000000000 }'));
  assert.equal(r.valid, false);
  const p = only(r.errors, 'model.layers[0].units');
  assert.deepEqual([p.line, p.column], [8, 29]);
  assert.match(p.message, /too big to train: about [\d,]+ parameters and [\d,]+ activations per sample; training needs about [\d.]+ GB .*more than the limit of 4 GB.*MODEL_STUDIO_MAX_MODEL_MEMORY/);
  const images = await check(edit('  label: species', '  label: species\n  columns: { sepal_length: { type: image } }\n  image: { size: [4096, 4096] }').replace('{ type: dense, units: 8, activation: relu }', '{ type: conv2d, filters: 64, kernelSize: 3 }'));
  assert.match(only(images.errors, 'model.layers[0].filters').message, /too big to train.*smaller `train.batchSize`/);
});

test('reshape sizes, kernels larger than their input and duplicate layer names are validation errors (were TF.js errors at training)', async () => {
  const reshape = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: dense, units: 12 }\n    - { type: reshape, targetShape: [5, 3] }\n    - { type: flatten }'));
  assert.match(only(reshape.errors, 'model.layers[1].targetShape').message, /`targetShape` \[5, 3\] holds 15 values, but the output of `model.layers\[0\]` \(dense\) has 12 per sample \(\[12\]\); the sizes must multiply to 12/);
  const fine = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: dense, units: 12 }\n    - { type: reshape, targetShape: [4, -1] }\n    - { type: flatten }'));
  assert.equal(fine.valid, true, fine.errors.map((e) => e.message).join('\n'));
  const twoFree = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: dense, units: 12 }\n    - { type: reshape, targetShape: [-1, -1] }\n    - { type: flatten }'));
  assert.match(only(twoFree.errors, 'model.layers[1].targetShape').message, /at most one -1/);
  const kernel = await check(edit('  label: species', '  label: species\n  columns: { sepal_length: { type: image } }\n  image: { size: [8, 8] }').replace('{ type: dense, units: 8, activation: relu }', '{ type: conv2d, filters: 4, kernelSize: 9 }\n    - { type: flatten }'));
  assert.match(only(kernel.errors, 'model.layers[0].kernelSize').message, /kernel of 9×9, larger than its input \[8, 8\]/);
  const names = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: dense, units: 8, name: hidden }\n    - { type: dense, units: 4, name: hidden }'));
  const dup = only(names.errors, 'model.layers[1].name');
  assert.match(dup.message, /`model.layers\[1\].name` is `hidden`, the name of `model.layers\[0\]` too; layer names must be unique/);
  assert.equal(dup.line, 9);
  const reserved = await check(edit('    - { type: dense, units: 8, activation: relu }', '    - { type: dense, units: 8, name: input }'));
  assert.match(only(reserved.errors, 'model.layers[0].name').message, /keeps for its own input and output layers/);
});

test('learning rates: above 100 an error, above 1 or below 1e-8 a warning; binaryCrossentropy on 3 classes an error', async () => {
  const huge = await check(edit('  epochs: 5', '  epochs: 5\n  optimizer: { type: sgd, learningRate: 1e308 }'));
  assert.match(only(huge.errors, 'train.optimizer.learningRate').message, /is 1e\+308; above 100 every optimiser diverges/);
  const high = await check(edit('  epochs: 5', '  epochs: 5\n  optimizer: { type: sgd, learningRate: 5 }'));
  assert.equal(high.valid, true);
  assert.match(only(high.warnings, 'train.optimizer.learningRate').message, /far above the usual 0\.0001–0\.1/);
  const tiny = await check(edit('  epochs: 5', '  epochs: 5\n  optimizer: { learningRate: 1e-12 }'));
  assert.match(only(tiny.warnings, 'train.optimizer.learningRate').message, /too small for the weights to move/);
  const flowers = `${FLOWERS_CSV}6.3,2.9,5.6,1.8,virginica\n`;
  const bce = await check(edit('  epochs: 5', '  epochs: 5\n  loss: binaryCrossentropy'), { files: { 'flowers.csv': flowers } });
  assert.match(only(bce.errors, 'train.loss').message, /binaryCrossentropy, a loss for 2 classes, but `data.label` species has at least 3 \(setosa, versicolor, virginica\)/);
  const two = await check(edit('  epochs: 5', '  epochs: 5\n  loss: binaryCrossentropy'));
  assert.equal(two.valid, true, 'two classes seen: fine');
});

test('integers beyond 2^53 are errors (epochs: 1e20, seed: 1e30 validated); ordinary bounds still read as before', async () => {
  const r = await check(edit('  epochs: 5', '  epochs: 1e20\n  seed: 1e30'));
  assert.match(only(r.errors, 'train.epochs').message, /`train.epochs` is 100000000000000000000, beyond the largest whole number the engine counts exactly \(2\^53 − 1/);
  assert.match(only(r.errors, 'train.seed').message, /`train.seed` is 1e\+30, beyond/);
  const units = await check(edit('units: 8', 'units: 1e16'));
  assert.match(only(units.errors, 'model.layers[0].units').message, /beyond the largest whole number/);
  const zero = await check(edit('  epochs: 5', '  epochs: 0'));
  assert.match(only(zero.errors, 'train.epochs').message, /must be an integer ≥ 1; got the integer 0$/);
});
