/**
 * `node --import tsx bench/quality.ts [--out FILE] [--compare FILE] [--only NAME,…]`
 *
 * Test metrics of every example and of the unit-test fixture data sets, trained end to end the way
 * `model-studio train` does (same model files, same seeds, the backend each file asks for), plus two
 * generated mixed-type tables. A change to the data pipeline must leave these where they were:
 * `--compare bench/quality-baseline.json` prints before/after side by side. Runs go to the system temp
 * folder and are deleted. It reports; it never fails on a number.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRng } from '../src/engine/data/split';

interface Case { name: string; spec: string; workspace: string }
interface Result { name: string; status: string; backend?: string; split?: string; metrics: Record<string, number>; seconds: number; error?: string }

const ROOT = path.join(__dirname, '..');

function parseArgs(argv: string[]): { out?: string; compare?: string; only?: string[] } {
  const o: { out?: string; compare?: string; only?: string[] } = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') o.out = path.resolve(argv[++i]);
    else if (argv[i] === '--compare') o.compare = path.resolve(argv[++i]);
    else if (argv[i] === '--only') o.only = argv[++i].split(',');
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

/** A small MLP model file for a fixture table. */
function fixtureSpec(name: string, task: string, source: string, label: string, extra = ''): string {
  return `name: ${name}\ntask: ${task}\ndata:\n  source: ${JSON.stringify(source)}\n  label: ${JSON.stringify(label)}\n${extra}` +
    '  split: { validation: 0.2, test: 0.2, seed: 7 }\nmodel:\n  layers:\n    - { type: dense, units: 16, activation: relu }\n' +
    `train:\n  epochs: 40\n  batchSize: 8\n  optimizer: { type: adam, learningRate: 0.01 }\n  seed: 3\n  metrics: [${task === 'classification' ? 'accuracy' : 'meanAbsoluteError'}]\n`;
}

/**
 * A mixed table: 6 numeric (one with a large offset), a 12-level categorical, a boolean, ~3% missing
 * values; the label depends on all of them (classification: 3 classes; regression: a number).
 */
function mixedCsv(rows: number, task: 'classification' | 'regression', seed: number): string {
  const rng = createRng(seed);
  const lines = ['n1,n2,n3,n4,n5,stamp,city,member,target'];
  const cities = Array.from({ length: 12 }, (_, i) => `city_${String.fromCharCode(97 + i)}`);
  const miss = (s: string) => (rng.next() < 0.03 ? '' : s);
  for (let i = 0; i < rows; i++) {
    const n = Array.from({ length: 5 }, () => rng.normal());
    const stamp = 1.6e9 + Math.floor(rng.next() * 3e7);
    const c = rng.int(12);
    const member = rng.next() < 0.4;
    const score = n[0] * 1.5 - n[1] + 0.5 * n[2] * n[3] + (c % 3) * 0.8 - (member ? 0.7 : 0) + ((stamp - 1.615e9) / 1e7) * 0.3 + 0.3 * rng.normal();
    const target = task === 'regression' ? (10 + 3 * score).toFixed(3) : score < -0.5 ? 'low' : score < 1 ? 'mid' : 'high';
    lines.push([...n.map((v) => miss(v.toFixed(4))), miss(String(stamp)), miss(cities[c]), miss(member ? 'yes' : 'no'), target].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function cases(tmp: string): Case[] {
  const out: Case[] = [];
  for (const [dir, file] of [['iris', 'iris.model.yaml'], ['cars', 'cars.model.yaml'], ['seed-mlp', 'seed-mlp.model.yaml'], ['text', 'headlines.model.yaml'], ['text', 'headlines-lstm.model.yaml'], ['shapes', 'shapes.model.yaml']]) {
    out.push({ name: `example ${file.replace(/\.model\.yaml$/, '')}`, spec: path.join(ROOT, 'examples', dir, file), workspace: ROOT });
  }
  const fx = path.join(tmp, 'fixtures');
  cpSync(path.join(ROOT, 'test/fixtures/data'), fx, { recursive: true });
  const add = (name: string, body: string) => {
    const spec = path.join(fx, `${name}.model.yaml`);
    writeFileSync(spec, body);
    out.push({ name: `fixture ${name}`, spec, workspace: fx });
  };
  add('bank', fixtureSpec('bank', 'classification', 'bank-semicolon.csv', 'Subscribed?', '  exclude: ["Customer ID"]\n'));
  add('sensors', fixtureSpec('sensors', 'regression', 'sensors-bom-crlf.tsv', 'power kW', '  exclude: [timestamp]\n  preprocess: { missing: median, numeric: minmax, categorical: index }\n'));
  add('pets', fixtureSpec('pets', 'classification', 'pets.jsonl', 'adopted', '  exclude: ["pet id"]\n'));
  add('cars-small', fixtureSpec('cars-small', 'regression', 'cars-small.json', 'mpg', '  exclude: [name]\n'));
  writeFileSync(path.join(fx, 'mixed-class.csv'), mixedCsv(20_000, 'classification', 11));
  writeFileSync(path.join(fx, 'mixed-reg.csv'), mixedCsv(20_000, 'regression', 12));
  add('mixed-class', fixtureSpec('mixed-class', 'classification', 'mixed-class.csv', 'target', '  preprocess: { missing: median }\n').replace('epochs: 40', 'epochs: 5').replace('batchSize: 8', 'batchSize: 64'));
  add('mixed-reg', fixtureSpec('mixed-reg', 'regression', 'mixed-reg.csv', 'target', '  preprocess: { missing: mean, categorical: index }\n').replace('epochs: 40', 'epochs: 5').replace('batchSize: 8', 'batchSize: 64'));
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ms-quality-'));
  const { trainModelFile } = await import('../src/engine/session');
  const results: Result[] = [];
  try {
    for (const c of cases(tmp)) {
      if (args.only && !args.only.some((o) => c.name.includes(o))) continue;
      const started = Date.now();
      try {
        const outcome = await trainModelFile({ specPath: c.spec, workspaceRoot: c.workspace, runsDir: path.join(tmp, 'runs'), onEvent: () => undefined });
        results.push({ name: c.name, status: outcome.status, backend: outcome.backend?.name, split: outcome.split, metrics: outcome.summary, seconds: (Date.now() - started) / 1000, ...(outcome.error ? { error: outcome.error.message } : {}) });
      } catch (err) {
        results.push({ name: c.name, status: 'error', metrics: {}, seconds: (Date.now() - started) / 1000, error: err instanceof Error ? err.message : String(err) });
      }
      const r = results[results.length - 1];
      process.stderr.write(`${r.name}: ${r.status} ${r.backend ?? ''} ${JSON.stringify(r.metrics)} (${r.seconds.toFixed(1)} s)${r.error ? ` ${r.error}` : ''}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const doc = { createdAt: new Date().toISOString(), node: process.version, results };
  if (args.out) writeFileSync(args.out, `${JSON.stringify(doc, null, 2)}\n`);
  if (args.compare) {
    const before = JSON.parse(readFileSync(args.compare, 'utf8')) as { results: Result[] };
    const rows: string[] = ['| data set | metric | before | after |', '| --- | --- | ---: | ---: |'];
    for (const r of results) {
      const b = before.results.find((x) => x.name === r.name);
      const keys = Object.keys({ ...(b?.metrics ?? {}), ...r.metrics }).filter((k) => /^(accuracy|macroF1|rmse|mae|r2)$/.test(k));
      for (const k of keys) rows.push(`| ${r.name} | ${k} | ${fmt(b?.metrics[k])} | ${fmt(r.metrics[k])} |`);
    }
    process.stdout.write(`${rows.join('\n')}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }
}

const fmt = (v: number | undefined) => (v === undefined ? '—' : Number(v.toPrecision(4)).toString());

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
