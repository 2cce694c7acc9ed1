/**
 * The table of bad inputs for the command line: one row per case. Each row prepares a throwaway workspace
 * and gives the CLI arguments; the runner (cli.test.ts) asserts the exit code, that the output names the file
 * and the field or row (`says`), and that the process ended by itself within the time and memory bounds.
 * To add a case, add a row.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { type Workspace } from './harness';
import { gzipped, hugeHeaderPng, irisCsv, mkfifo, modelYaml, pngBomb, solidPng, wideCsv } from './generators';

export interface CliCase {
  name: string;
  category: 'model file' | 'data file' | 'image' | 'symlink' | 'special file' | 'model folder';
  /** prepares the workspace; returns the CLI arguments (run with the workspace as the working folder) */
  setup(ws: Workspace, fixtures: Fixtures): string[] | Promise<string[]>;
  /** expected exit code (default: 1 or 2, an input error; the CLI uses 2 when the run could not start) */
  code?: number;
  /** what the output must say (each must match): the file, the field or row, what is wrong */
  says: RegExp[];
  /** bounds (defaults: 30 s, 450 MB peak RSS) */
  maxMs?: number;
  maxRssMb?: number;
  /** more checks on what the command left behind (files kept, removed, never written) */
  then?(ws: Workspace, output: string): void;
}

/** Made once for the suite: a saved model folder of a small tabular classifier (sepal_length, petal_width, color, flag). */
export interface Fixtures {
  modelDir: string;
  /** copies the saved model into the workspace at `rel` */
  copyModel(ws: Workspace, rel: string): string;
}

const model = (ws: Workspace, text: string, name = 'm.model.yaml') => ws.write(name, text);
const validate = (file = 'm.model.yaml') => ['validate', file];
const train = (file = 'm.model.yaml') => ['train', file, '--epochs', '1'];
const withIris = (ws: Workspace) => ws.write('data.csv', irisCsv());

/** A folder of two classes of images (or texts), for class-folder cases. */
function classFolders(ws: Workspace, kind: 'png' | 'txt'): void {
  for (const [c, v] of [['dark', 20], ['light', 230]] as const) {
    for (let i = 0; i < 4; i++) ws.write(`imgs/${c}/${i}.${kind}`, kind === 'png' ? solidPng(v + i) : `${c} words number ${i}`);
  }
}
const folderModel = (extra = '') => modelYaml({ source: 'imgs', label: 'shade', layers: ['{ type: flatten }'], data: extra });

export const CLI_CASES: CliCase[] = [
  // ---------------------------------------------------------------- model files
  {
    name: 'a dense layer of a billion units', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ layers: ['{ type: dense, units: 1000000000 }'] })); return validate(); },
    says: [/m\.model\.yaml:8:\d+: error: this model is too big to train: about [\d,]+ parameters.*limit of 4 GB/],
  },
  {
    name: 'the same at train: refused before anything is allocated', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ layers: ['{ type: dense, units: 1000000000 }'] })); return train(); },
    says: [/m\.model\.yaml:8:\d+: error: this model is too big to train/],
  },
  {
    name: 'inspect prints the size estimate of a model that fits', category: 'model file', code: 0,
    setup: (ws) => { withIris(ws); model(ws, modelYaml()); return ['inspect', 'm.model.yaml']; },
    says: [/model size: 67 parameters; [\d,.]+ (bytes|KB) of activations per sample.*\(limit 4 GB\)/],
  },
  {
    name: '5,000-deep JSON', category: 'model file',
    setup: (ws) => {
      withIris(ws);
      model(ws, `{"name": "x", "task": "classification", "data": {"source": "data.csv", "label": "species"}, "model": {"layers": [{"type": "dense", "units": ${'['.repeat(5000)}1${']'.repeat(5000)}}]}}`, 'm.model.json');
      return validate('m.model.json');
    },
    says: [/m\.model\.json:1:\d+: error: the file nests lists and mappings more than 64 levels deep/],
  },
  {
    name: '20,000-deep YAML', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ extra: `description: ${'- '.repeat(20_000)}x` })); return validate(); },
    says: [/m\.model\.yaml:\d+:\d+: error: the file nests lists and mappings more than 64 levels deep/],
  },
  {
    name: 'a 10 MB model file of 330,000 layers', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ layers: Array(330_000).fill('{ type: dense, units: 1 }') })); return validate(); },
    says: [/m\.model\.yaml:1:1: error: the model file is [\d.]+ MB, larger than a model file can be.*MODEL_STUDIO_MAX_MODEL_FILE_BYTES/],
  },
  {
    name: '20,000 layers in a small file', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ layers: Array(20_000).fill('{type: dense, units: 1}') })); return validate(); },
    says: [/m\.model\.yaml:7:\d+: error: `model\.layers` lists 20,000 layers, more than a model may have/],
  },
  {
    name: 'a reshape whose targetShape does not hold its input', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ layers: ['{ type: dense, units: 12 }', '{ type: reshape, targetShape: [5, 3] }', '{ type: flatten }'] })); return validate(); },
    says: [/m\.model\.yaml:9:\d+: error: `model\.layers\[1\]` \(reshape\): `targetShape` \[5, 3\] holds 15 values/],
  },
  {
    name: 'two layers with one name', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ layers: ['{ type: dense, units: 4, name: h }', '{ type: dense, units: 4, name: h }'] })); return validate(); },
    says: [/m\.model\.yaml:9:\d+: error: `model\.layers\[1\]\.name` is `h`/],
  },
  {
    name: 'a JSON syntax error JSON.parse gives no position for', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, '{\n  "name": "x",\n  "task": \n}\n', 'm.model.json'); return validate('m.model.json'); },
    says: [/m\.model\.json:4:1: error: invalid JSON: Unexpected token '\}'$/m],
  },
  {
    name: 'learningRate 1e308', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ train: '  optimizer: { type: sgd, learningRate: 1e308 }' })); return validate(); },
    says: [/m\.model\.yaml:\d+:\d+: error: `train\.optimizer\.learningRate` is 1e\+308; above 100/],
  },
  {
    name: 'epochs 1e20 and seed 1e30', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ train: '  seed: 1e30' }).replace('epochs: 2', 'epochs: 1e20')); return validate(); },
    says: [/error: `train\.epochs` is 100000000000000000000, beyond the largest whole number/, /error: `train\.seed` is 1e\+30, beyond/],
  },
  {
    name: 'binaryCrossentropy on three classes', category: 'model file',
    setup: (ws) => { withIris(ws); model(ws, modelYaml({ train: '  loss: binaryCrossentropy' })); return validate(); },
    says: [/m\.model\.yaml:\d+:\d+: error: `train\.loss` is binaryCrossentropy, a loss for 2 classes/],
  },
  {
    name: 'a model file that is binary', category: 'model file',
    setup: (ws) => { ws.write('m.model.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3])); return validate(); },
    says: [/m\.model\.yaml:1:\d+: error: the file is not text/],
  },
  {
    name: 'YAML aliases that multiply (billion laughs)', category: 'model file',
    setup: (ws) => {
      const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
      ws.write('m.model.yaml', `${lines.join('\n')}\nname: x\n`);
      return validate();
    },
    says: [/m\.model\.yaml:\d+:\d+: error: .*alias/i],
  },
  {
    name: 'a kernel larger than the image', category: 'model file',
    setup: (ws) => { classFolders(ws, 'png'); model(ws, modelYaml({ source: 'imgs', label: 'shade', layers: ['{ type: conv2d, filters: 4, kernelSize: 40 }', '{ type: flatten }'] })); return validate(); },
    says: [/m\.model\.yaml:8:\d+: error: `model\.layers\[0\]` \(conv2d\) has a kernel of 40×40, larger than its input \[28, 28\]/],
  },

  // ---------------------------------------------------------------- data files
  {
    name: 'a 280 KB header (20,000 columns) validates in linear time', category: 'data file', code: 0,
    setup: (ws) => { ws.write('wide.csv', wideCsv(20_000)); model(ws, modelYaml({ source: 'wide.csv' })); return validate(); },
    says: [/m\.model\.yaml: ok/],
  },
  {
    name: 'a 2 MB header', category: 'data file',
    setup: (ws) => { ws.write('wide.csv', wideCsv(200_000)); model(ws, modelYaml({ source: 'wide.csv' })); return validate(); },
    says: [/m\.model\.yaml:4:\d+: error: cannot read the columns of `data\.source` wide\.csv: the header row is longer than 1 MB.*MODEL_STUDIO_MAX_HEADER_BYTES/],
  },
  {
    name: 'gzip as data.source', category: 'data file',
    setup: (ws) => { ws.write('data.csv', gzipped(irisCsv())); model(ws, modelYaml()); return validate(); },
    says: [/m\.model\.yaml:4:\d+: error: .*data\.csv: this is a gzip-compressed file, not a text file/],
  },
  {
    name: 'a PNG as data.source', category: 'data file',
    setup: (ws) => { ws.write('data.csv', solidPng(3)); model(ws, modelYaml()); return validate(); },
    says: [/m\.model\.yaml:4:\d+: error: .*this is a PNG image, not a text file/],
  },
  {
    name: 'UTF-16 data', category: 'data file',
    setup: (ws) => { ws.write('data.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(irisCsv(), 'utf16le')])); model(ws, modelYaml()); return validate(); },
    says: [/m\.model\.yaml:4:\d+: error: .*UTF-16 encoded; save it as UTF-8/],
  },
  {
    name: 'a NUL byte in the last row (train)', category: 'data file',
    setup: (ws) => { ws.write('data.csv', irisCsv(3000, '5.0,3.0,1.5,0.2,seto\0sa')); model(ws, modelYaml()); return train(); },
    says: [/data\.csv:3002: column 'species': this value holds a NUL byte: the file is not plain text here/],
    maxMs: 60_000,
  },
  {
    name: 'a Latin-1 byte in the last row (train)', category: 'data file',
    setup: (ws) => { ws.write('data.csv', Buffer.concat([Buffer.from(irisCsv(3000)), Buffer.from('5.0,3.0,1.5,0.2,s\xe9tosa\n', 'latin1')])); model(ws, modelYaml()); return train(); },
    says: [/data\.csv:3002: column 'species': the file is not valid UTF-8 here \(perhaps Latin-1 or Windows-1252\); save it as UTF-8/],
    maxMs: 60_000,
  },

  // ---------------------------------------------------------------- special files
  {
    name: 'a FIFO as data.source (validate)', category: 'special file',
    setup: (ws) => { mkfifo(ws.file('data.csv')); model(ws, modelYaml()); return validate(); },
    says: [/m\.model\.yaml:4:\d+: error: `data\.source` data\.csv is a named pipe \(FIFO\), not a regular file/],
  },
  {
    name: 'a FIFO as data.source (inspect)', category: 'special file',
    setup: (ws) => { mkfifo(ws.file('data.csv')); model(ws, modelYaml()); return ['inspect', 'm.model.yaml']; },
    says: [/m\.model\.yaml:4:\d+: error: `data\.source` data\.csv is a named pipe/],
  },
  {
    name: 'a FIFO as data.source (train)', category: 'special file',
    setup: (ws) => { mkfifo(ws.file('data.csv')); model(ws, modelYaml()); return train(); },
    says: [/m\.model\.yaml:4:\d+: error: `data\.source` data\.csv is a named pipe/],
  },
  {
    name: 'a socket as data.source', category: 'special file',
    setup: async (ws) => {
      // The socket only has to exist as a file system entry: listen, then leave it behind.
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(ws.file('data.csv'), resolve));
      server.unref();
      model(ws, modelYaml());
      return validate();
    },
    says: [/m\.model\.yaml:4:\d+: error: `data\.source` data\.csv is a socket, not a regular file/],
  },
  {
    name: 'a FIFO as the model file', category: 'special file',
    setup: (ws) => { mkfifo(ws.file('m.model.yaml')); return validate(); },
    says: [/m\.model\.yaml:1:1: error: this is a named pipe \(FIFO\), not a model file/],
  },
  {
    name: 'a FIFO as the input to predict', category: 'special file',
    setup: (ws, f) => { f.copyModel(ws, 'model'); mkfifo(ws.file('in.csv')); return ['predict', 'model', 'in.csv']; },
    says: [/in\.csv is a named pipe \(FIFO\), not a regular file/],
  },
  {
    name: 'a FIFO among the images of a class folder', category: 'special file',
    setup: (ws) => { classFolders(ws, 'png'); mkfifo(ws.file('pipe.png')); symlinkSync('../../pipe.png', ws.file('imgs/dark/zz.png')); model(ws, folderModel()); return train(); },
    says: [/imgs\/dark\/zz\.png: is a named pipe \(FIFO\)/],
    maxMs: 60_000,
  },

  // ---------------------------------------------------------------- images
  {
    name: 'a PNG zlib bomb in a class folder (1 MB, 16×16 header, 1 GiB inflated)', category: 'image',
    setup: (ws) => { classFolders(ws, 'png'); ws.write('imgs/dark/bomb.png', pngBomb()); model(ws, folderModel()); return train(); },
    says: [/imgs\/dark\/bomb\.png: the PNG's compressed data inflates to more than its 16×16 header allows/],
    maxMs: 60_000, maxRssMb: 600,
  },
  {
    name: 'an image whose header claims 100,000 × 100,000 pixels', category: 'image',
    setup: (ws) => { classFolders(ws, 'png'); ws.write('imgs/light/huge.png', hugeHeaderPng(100_000, 100_000)); model(ws, folderModel()); return train(); },
    says: [/imgs\/light\/huge\.png: 100000×100000 pixels \(10000 megapixels\) is over the limit of 50 megapixels/],
    maxMs: 60_000,
  },

  // ---------------------------------------------------------------- symlinks
  {
    name: 'data.source a symlink out of the workspace', category: 'symlink',
    setup: (ws) => { writeFileSync(path.join(ws.root, '..', 'outside.csv'), irisCsv()); symlinkSync('../outside.csv', ws.file('data.csv')); model(ws, modelYaml()); return validate(); },
    says: [/m\.model\.yaml:4:\d+: error: `data\.source` "data\.csv" leads outside the workspace through a symbolic link/],
  },
  {
    name: 'a text in a class folder linked from outside', category: 'symlink',
    setup: (ws) => {
      classFolders(ws, 'txt');
      writeFileSync(path.join(ws.root, '..', 'secret.txt'), 'hunter2 password');
      symlinkSync('../../../secret.txt', ws.file('imgs/dark/zz-secret.txt'));
      model(ws, folderModel('  text: { maxTokens: 50, sequenceLength: 5 }').replace('{ type: flatten }', '{ type: embedding, outputDim: 4 }\n    - { type: flatten }'));
      return train();
    },
    says: [/imgs\/dark\/zz-secret\.txt: is a symbolic link that leads outside the workspace/],
    maxMs: 60_000,
  },
  {
    name: 'an image-path column through a symlinked folder', category: 'symlink',
    setup: (ws) => {
      for (let i = 0; i < 6; i++) ws.write(`pics/${i}.png`, solidPng(i * 40));
      writeFileSync(path.join(ws.root, '..', 'a.png'), solidPng(9));
      symlinkSync('..', ws.file('up'));
      ws.write('list.csv', `file,shade\n${Array.from({ length: 6 }, (_, i) => `pics/${i}.png,${i % 2 ? 'a' : 'b'}`).join('\n')}\nup/a.png,a\n`);
      model(ws, modelYaml({ source: 'list.csv', label: 'shade', layers: ['{ type: flatten }'], data: '  columns: { file: { type: image } }' }));
      return train();
    },
    says: [/list\.csv:8: column 'file': "up\/a\.png" is a symbolic link that leads outside the workspace/],
    maxMs: 60_000,
  },

  // ---------------------------------------------------------------- model folders
  {
    name: 'weights named outside the model folder (export)', category: 'model folder',
    setup: (ws, f) => {
      const dir = f.copyModel(ws, 'model');
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
      json.weightsManifest[0].paths = ['../../outside/weights-outside.bin'];
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return ['export', 'model', '--out', 'exp'];
    },
    says: [/model\.json: weightsManifest\[0\]\.paths\[0\] is "\.\.\/\.\.\/outside\/weights-outside\.bin", but a weight file must be a plain file name/],
  },
  {
    name: 'weights named outside the model folder (predict)', category: 'model folder',
    setup: (ws, f) => {
      const dir = f.copyModel(ws, 'model');
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
      json.weightsManifest[0].paths = ['/etc/hostname'];
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      ws.write('in.csv', 'sepal_length,petal_width,color,flag\n5,1,red,1\n');
      return ['predict', 'model', 'in.csv'];
    },
    says: [/model\.json: weightsManifest\[0\]\.paths\[0\] is "\/etc\/hostname", but a weight file must be a plain file name/],
  },
  {
    name: 'a value beyond float32 given to predict', category: 'data file',
    setup: (ws, f) => { f.copyModel(ws, 'model'); ws.write('in.csv', 'sepal_length,petal_width,color,flag\n5,1,red,1\n1e300,1,red,1\n'); return ['predict', 'model', 'in.csv']; },
    says: [/in\.csv:3: feature 'sepal_length' is "1e300", too large for the model's 32-bit input/],
  },
  {
    name: 'a class folder that contains itself through a link', category: 'symlink',
    setup: (ws) => { classFolders(ws, 'png'); symlinkSync('..', ws.file('imgs/dark/loop')); model(ws, folderModel()); return train(); },
    says: [/imgs\/dark\/loop.*(nest more than 32 levels|symbolic link loop)/],
    maxMs: 60_000,
  },
  {
    name: 'a column named __proto__ trains like any other', category: 'data file', code: 0,
    setup: (ws) => {
      ws.write('data.csv', irisCsv().replace('sepal_length,', '__proto__,'));
      model(ws, modelYaml());
      return train();
    },
    says: [/completed: runs\//],
    maxMs: 60_000,
    then: (ws) => {
      const runs = ws.file('runs/probe');
      const prep = readFileSync(path.join(runs, readdirSync(runs)[0], 'model', 'preprocessing.json'), 'utf8');
      assert.match(prep, /"name": ?"__proto__"/, 'the feature __proto__ is in the saved preprocessing');
    },
  },
  {
    name: 'export removes what an export killed mid-way left behind', category: 'model folder', code: 0,
    setup: (ws, f) => {
      f.copyModel(ws, 'model');
      // A process that has ended: its PID names the stale folder.
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      mkdirSync(ws.file(`exp.tmp-${dead}-abc123`));
      ws.write(`exp.tmp-${dead}-abc123/model.json`, '{"half": ');
      return ['export', 'model', '--out', 'exp'];
    },
    says: [/exp/],
    then: (ws) => {
      assert.deepEqual(readdirSync(ws.root).filter((n) => n.startsWith('exp.tmp-')), [], 'no stale export folder is left');
      assert.ok(existsSync(ws.file('exp/model/model.json')) || existsSync(ws.file('exp/model.json')), 'the export was written');
    },
  },
];

// ================================================================ the server

/**
 * A request to `model-studio serve` (the tabular iris model: sepal_length, petal_width, color, flag; or the
 * 4×4 grey image model). The runner asserts the status, that the answer (JSON `error`/`message`, or the raw
 * reply) says each of `says`, that `/ping` answers afterwards and that the server's RSS stays under SERVER_RSS_MB.
 */
export interface ServerCase {
  name: string;
  model: 'iris' | 'img';
  /** the path of a JSON POST (ignored when raw) */
  path: string;
  /** the JSON body, or with `raw` the whole HTTP request as bytes on the socket */
  body(): string;
  raw?: boolean;
  status: number;
  says: RegExp[];
}

/** The server's resident memory after any case (it starts near 150 MB; the 1 GiB bomb took it to 2.15 GB). */
export const SERVER_RSS_MB = 500;

const PREDICT = { iris: '/v1/models/iris:predict', img: '/v1/models/img:predict' } as const;
const ROW = [5.1, 0.2, 'red', true];
const instances = (list: unknown[]) => JSON.stringify({ instances: list });

export const SERVER_CASES: ServerCase[] = [
  {
    name: 'a value beyond float32 (1e300)', model: 'iris', path: PREDICT.iris, status: 400,
    body: () => instances([[1e300, 0.2, 'red', true]]),
    says: [/instances\[0\]: .*feature 'sepal_length' is .*too large for the model's 32-bit input/],
  },
  {
    name: 'a value beyond float32 in a record (-1e39)', model: 'iris', path: PREDICT.iris, status: 400,
    body: () => instances([{ sepal_length: 5, petal_width: -1e39, color: 'red', flag: 1 }]),
    says: [/feature 'petal_width' is .*too large/],
  },
  {
    name: 'an encoded value beyond float32', model: 'iris', path: PREDICT.iris, status: 400,
    body: () => JSON.stringify({ signature_name: 'encoded', instances: [[1e39, 0, 0, 0, 1, 0]] }),
    says: [/encoded value 0 \('sepal_length'\) is 1e\+39, not a finite float32 number/],
  },
  {
    name: 'an instance nested one level too deep', model: 'iris', path: PREDICT.iris, status: 400,
    body: () => instances([[ROW]]),
    says: [/instances\[0\]: an instance of this model is one row.*nested 2 levels deep/],
  },
  {
    name: 'one instance more than the default cap (10,000)', model: 'iris', path: PREDICT.iris, status: 413,
    body: () => instances(Array(10_001).fill(ROW)),
    says: [/'instances' holds 10,001 instances, more than this server takes in one request \(10,000\).*MODEL_STUDIO_MAX_INSTANCES/],
  },
  {
    name: '900,000 instances in a 9.9 MB body (under the body limit)', model: 'iris', path: PREDICT.iris, status: 413,
    body: () => instances(Array(900_000).fill([5, 1, 2, 1])),
    says: [/holds 900,000 instances/],
  },
  {
    name: 'MLflow: too many rows in dataframe_split', model: 'iris', path: '/invocations', status: 413,
    body: () => JSON.stringify({ dataframe_split: { columns: ['sepal_length', 'petal_width', 'color', 'flag'], data: Array(10_001).fill(ROW) } }),
    says: [/'dataframe_split\.data' holds 10,001 instances/],
  },
  {
    name: '100,000-deep JSON body', model: 'iris', path: PREDICT.iris, status: 400,
    body: () => `{"instances": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    says: [/nests arrays and objects more than 64 levels deep.*MODEL_STUDIO_MAX_NESTING_DEPTH/],
  },
  {
    name: 'a feature named __proto__', model: 'iris', path: PREDICT.iris, status: 400,
    body: () => `{"instances": [{"sepal_length": 5, "petal_width": 1, "color": "red", "flag": 1, "__proto__": {"x": 1}}]}`,
    says: [/unknown feature '__proto__'/],
  },
  {
    name: 'a 100 KB string where a number goes (the message quotes a bounded preview)', model: 'iris', path: PREDICT.iris, status: 400,
    body: () => instances([{ sepal_length: 'x'.repeat(100_000), petal_width: 1, color: 'red', flag: 1 }]),
    says: [/sepal_length/, /^.{0,600}$/s],
  },
  {
    name: 'a body shorter than its Content-Length', model: 'iris', path: '', raw: true, status: 400,
    body: () => 'POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"instances": [',
    says: [/cut short/],
  },
  {
    name: 'a malformed request line', model: 'iris', path: '', raw: true, status: 400,
    body: () => 'POST /v1/models/iris:predict HTTP/9 9\r\n\r\n',
    says: [/the request line has an invalid HTTP version/],
  },
  {
    name: 'a PNG zlib bomb (1 MB, 16×16 header, 1 GiB inflated)', model: 'img', path: PREDICT.img, status: 400,
    body: () => instances([{ b64: pngBomb().toString('base64') }]),
    says: [/inflates to more than its 16×16 header allows.*compression bomb/],
  },
  {
    name: 'a PNG whose header claims 100,000 × 100,000 pixels', model: 'img', path: PREDICT.img, status: 400,
    body: () => instances([{ b64: hugeHeaderPng(100_000, 100_000).toString('base64') }]),
    says: [/100000×100000 pixels \(10000 megapixels\) is over the limit of 50 megapixels/],
  },
  {
    name: 'an image that is not base64', model: 'img', path: PREDICT.img, status: 400,
    body: () => instances([{ b64: '***not base64***' }]),
    says: [/'image' is not valid base64/],
  },
  {
    name: 'bytes that are no image', model: 'img', path: PREDICT.img, status: 400,
    body: () => instances([{ b64: Buffer.from('GIF89a this is not a png').toString('base64') }]),
    says: [/instances\[0\]: not a PNG or JPEG file/],
  },
  {
    name: 'the largest request it takes (10,000 instances) is answered, within the memory bound', model: 'iris', path: PREDICT.iris, status: 200,
    body: () => instances(Array(10_000).fill(ROW)),
    says: [/"predictions"/],
  },
];
