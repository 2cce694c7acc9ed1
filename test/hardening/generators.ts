/** Adversarial inputs, made in code (nothing downloaded, nothing large checked in). */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { pngBomb, rgbPng } from '../unit/media/helpers';

export { pngBomb, rgbPng };

export const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';

/** A small valid iris-like table (3 classes, 60 rows). */
export function irisCsv(rows = 60, last?: string): string {
  const species = ['setosa', 'versicolor', 'virginica'];
  const lines = Array.from({ length: rows }, (_, i) => {
    const k = i % 3;
    return `${(4.5 + k + (i % 7) / 10).toFixed(1)},${(3 + (i % 5) / 10).toFixed(1)},${(1.4 + 2 * k + (i % 3) / 10).toFixed(1)},${(0.2 + k * 0.8).toFixed(1)},${species[k]}`;
  });
  if (last !== undefined) lines.push(last);
  return `${IRIS_HEADER}\n${lines.join('\n')}\n`;
}

/** A model file in YAML: `layers` lines go under model.layers; `train`/`extra` are appended as written. */
export function modelYaml(o: { source?: string; label?: string; layers?: string[]; train?: string; data?: string; extra?: string; name?: string } = {}): string {
  const layers = o.layers ?? ['{ type: dense, units: 8, activation: relu }'];
  return [
    `name: ${o.name ?? 'probe'}`,
    'task: classification',
    'data:',
    `  source: ${o.source ?? 'data.csv'}`,
    `  label: ${o.label ?? 'species'}`,
    ...(o.data ? [o.data] : []),
    'model:',
    '  layers:',
    ...layers.map((l) => `    - ${l}`),
    'train:',
    `  epochs: 2`,
    `  backend: cpu`,
    ...(o.train ? [o.train] : []),
    ...(o.extra ? [o.extra] : []),
    '',
  ].join('\n');
}

/** A CSV whose header names `n` columns (plus the label). */
export function wideCsv(n: number): string {
  return `${Array.from({ length: n }, (_, i) => `c${i}`).join(',')},species\n${'1,'.repeat(n)}a\n${'2,'.repeat(n)}b\n`;
}

export const gzipped = (text: string): Buffer => gzipSync(Buffer.from(text));

export function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

/** A PNG whose header claims width×height (far more pixels than any limit), with a tiny body. */
export function hugeHeaderPng(width: number, height: number): Buffer {
  const png = Buffer.from(rgbPng(4, 4, () => [1, 2, 3]));
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  return png;
}

/** A 28×28 PNG of one colour (class folders of images). */
export const solidPng = (v: number): Buffer => rgbPng(28, 28, () => [v, v, v]);
