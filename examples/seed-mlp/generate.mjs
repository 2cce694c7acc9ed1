// Generates data.csv for the seed-mlp example: y = sin(x1) · x2 + noise, noise ~ N(0, 0.05²),
// x1 uniform in [-3, 3], x2 uniform in [-2, 2], 1,000 rows, seed 1234.
// The generator is mulberry32 (as src/engine/data/split.ts), so the file is identical on every machine.
//   node examples/seed-mlp/generate.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROWS = 1000;
const NOISE = 0.05;

function mulberry32(seed) {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = mulberry32(1234);
const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const lines = ['x1,x2,y'];
for (let i = 0; i < ROWS; i++) {
  const x1 = -3 + 6 * rand();
  const x2 = -2 + 4 * rand();
  const y = Math.sin(x1) * x2 + NOISE * normal();
  lines.push(`${x1.toFixed(4)},${x2.toFixed(4)},${y.toFixed(4)}`);
}
const target = join(dirname(fileURLToPath(import.meta.url)), 'data.csv');
writeFileSync(target, `${lines.join('\n')}\n`);
console.log(`wrote ${ROWS} rows to ${target}`);
