/** A copy of the iris example in a temporary workspace, with edits to its model file. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../../..');
export const IRIS_DIR = path.join(REPO, 'examples', 'iris');

export function irisWorkspace(edit: (yaml: string) => string = (y) => y): { dir: string; modelFile: string; runsDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-ws-'));
  fs.copyFileSync(path.join(IRIS_DIR, 'iris.csv'), path.join(dir, 'iris.csv'));
  const yaml = fs.readFileSync(path.join(IRIS_DIR, 'iris.model.yaml'), 'utf8');
  const modelFile = path.join(dir, 'iris.model.yaml');
  fs.writeFileSync(modelFile, edit(yaml));
  return { dir, modelFile, runsDir: path.join(dir, 'runs') };
}

/** Long training without early stopping, for stop and crash tests. */
export const longTraining = (yaml: string) => yaml.replace(/epochs: \d+/, 'epochs: 5000').replace(/^\s*earlyStopping:.*$/m, '').replace(/backend: \w+/, 'backend: wasm');
