// Makes cars.json from the "cars" data set shipped in the npm package vega-datasets (BSD-3-Clause),
// which is the UCI Auto MPG data (StatLib, 1983): 406 cars of 1970–1982.
// Only change: "Year" ("1970-01-01") becomes the model year as a number (1970). Nothing is dropped or filled.
//
//   npm install --no-save --prefix /tmp/vega vega-datasets@3.2.1
//   node examples/cars/convert.mjs /tmp/vega/node_modules/vega-datasets/data/cars.json
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const input = process.argv[2];
if (!input) {
  console.error('usage: node examples/cars/convert.mjs PATH/TO/vega-datasets/data/cars.json');
  process.exit(2);
}
const cars = JSON.parse(readFileSync(input, 'utf8'));
const out = cars.map((c) => ({ ...c, Year: Number(String(c.Year).slice(0, 4)) }));
const lines = out.map((c) => `  ${JSON.stringify(c)}`);
const target = join(dirname(fileURLToPath(import.meta.url)), 'cars.json');
writeFileSync(target, `[\n${lines.join(',\n')}\n]\n`);
console.log(`wrote ${out.length} cars to ${target}`);
