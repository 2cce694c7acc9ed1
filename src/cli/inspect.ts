/**
 * `model-studio inspect FILE [--json]`: what the data pipeline finds for a model file — rows,
 * columns with their types, missing counts, class balance, split sizes and the tensor shapes that
 * training would be fed. Exit 0 ok, 1 a problem with the model file or the data, 2 usage.
 */
import * as path from 'node:path';
import { openTable, prepareData } from '../engine/data/index';
import { displayPath } from '../engine/data/errors';
import { describeTable, type ReadProgress } from '../engine/data/tabular';
import { readProgressText } from '../protocol/dataProgress';
import { DataError, type ColumnInfo, type DatasetInfo, type PreparedData } from '../engine/data/types';
import { modelSize } from '../engine/model';
import { limit } from '../limits';
import { describeEstimate, findWorkspaceRoot, formatProblem, loadModelFile, problemAtField, SpecError } from '../modelFile';
import type { ModelSpecFile } from '../modelFile/schema';

const USAGE = 'usage: model-studio inspect FILE [--json]\n' +
  '  FILE  a model file (*.model.yaml, *.model.yml, *.model.json): the whole pipeline, as training would see it\n' +
  '        or a data file (.csv, .tsv, .json, .jsonl, .parquet, .arrow/.feather): its columns and their inferred types\n';
const MODEL_FILE = /\.model\.(ya?ml|json)$/i;

/** Where the command writes (the real streams, or a buffer in tests). */
export interface Output { out(text: string): void; err(text: string): void }
const STDIO: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function run(args: string[], io: Output = STDIO): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const unknown = rest.find((a) => a.startsWith('-'));
  if (unknown || rest.length !== 1) {
    io.err(`model-studio inspect: ${unknown ? `unknown option '${unknown}'` : rest.length === 0 ? 'no model file given' : 'give one model file'}\n${USAGE}`);
    return 2;
  }
  const file = path.resolve(rest[0]);
  if (!MODEL_FILE.test(file) && /\.(csv|tsv|tab|txt|json|jsonl|ndjson|parquet|pq|arrow|feather|ipc)$/i.test(file)) return inspectTable(file, json, io);
  let spec: ModelSpecFile;
  let prepared: PreparedData;
  try {
    const workspaceRoot = findWorkspaceRoot(file);
    spec = await loadModelFile(file, { workspaceRoot });
    prepared = await prepareData(spec, file, { workspaceRoot, onProgress: progressLine(io, json) });
    await prepared.dispose?.();
  } catch (err) {
    if (err instanceof SpecError) {
      for (const p of err.problems) io.err(`${formatProblem(p)}\n`);
      return 1;
    }
    if (err instanceof DataError) {
      io.err(`${formatDataError(err)}\n`);
      return 1;
    }
    throw err;
  }
  const shapes = tensorShapes(prepared);
  // The model's size on this data (what training checks before it allocates anything).
  const size = modelSize(spec, prepared.preprocessing, prepared.train.n);
  const maxBytes = limit('modelMemoryBytes');
  const { estimate } = size;
  const model = {
    parameters: estimate.parameters, activationsPerSample: estimate.activationsPerSample, batchSize: estimate.batchSize,
    parameterBytes: estimate.parameterBytes, activationBytes: estimate.activationBytes, trainingBytes: estimate.totalBytes, limitBytes: maxBytes,
    layers: estimate.layers.map((l) => ({ layer: l.index < spec.model.layers.length ? `model.layers[${l.index}]` : 'output (added from the task)', type: l.type, outputShape: l.outputShape ?? null, parameters: l.parameters })),
  };
  if (json) {
    io.out(`${JSON.stringify({ modelFile: file, task: prepared.task, ...prepared.info, inputKind: prepared.preprocessing.inputKind, tensors: shapes, model }, null, 2)}\n`);
  } else {
    io.out(render(file, spec, prepared, shapes));
    io.out(`\nmodel size: ${describeEstimate(estimate, maxBytes)}\n`);
  }
  if (size.tooBig) {
    io.err(`${formatProblem(problemAtField(file, size.tooBig.path, size.tooBig.message))}\n`);
    return 1;
  }
  return 0;
}

/** A data file on its own: the columns and the types the pipeline would infer (one streamed pass). */
async function inspectTable(file: string, json: boolean, io: Output): Promise<number> {
  let columns: ColumnInfo[];
  let rows: number;
  let format: string;
  try {
    const reader = await openTable(file);
    try {
      ({ rows, columns } = await describeTable(reader, { onProgress: progressLine(io, json) }));
      format = reader.delimiter && reader.delimiter !== (reader.format === 'tsv' ? '\t' : ',') ? `${reader.format} (delimiter ${JSON.stringify(reader.delimiter)})` : reader.format;
    } finally {
      await reader.close();
    }
  } catch (err) {
    if (err instanceof DataError) {
      io.err(`${formatDataError(err)}\n`);
      return 1;
    }
    throw err;
  }
  if (json) {
    io.out(`${JSON.stringify({ source: file, format, rows, columns }, null, 2)}\n`);
    return 0;
  }
  io.out(`data: ${displayPath(file)} (${format}), ${rows} rows, ${columns.length} columns\n\n`);
  io.out(`${columnTable(columns, () => '')}\n\n`);
  io.out('To train on it, write a model file that names the label, e.g. my.model.yaml:\n' +
    `  name: my-model\n  task: classification        # or regression\n  data:\n    source: ${yamlScalar(path.basename(file))}\n    label: ${yamlScalar(columns[columns.length - 1]?.name ?? 'COLUMN')}\n`);
  return 0;
}

/**
 * Progress of a long read on stderr (a file over 64 MB): rows, MB and percent, at most a few times a
 * second, on one line that the next one replaces when stderr is a terminal.
 */
function progressLine(io: Output, json: boolean): ((p: ReadProgress) => void) | undefined {
  if (json) return undefined;
  let last = 0;
  const tty = process.stderr.isTTY === true;
  return (p) => {
    if (p.totalBytes < 64 * 1024 * 1024) return;
    const now = Date.now();
    if (now - last < 500 && p.bytes < p.totalBytes) return;
    last = now;
    const line = `reading ${readProgressText(p)}`;
    io.err(tty ? `\r\x1b[2K${line}${p.bytes >= p.totalBytes && p.pass === p.passes ? '\n' : ''}` : `${line}\n`);
  };
}


const yamlScalar = (s: string) => (/^[A-Za-z0-9_.\/-]+$/.test(s) ? s : JSON.stringify(s));

function columnTable(columns: ColumnInfo[], role: (name: string) => string): string {
  const withRole = columns.some((c) => role(c.name) !== '');
  const header = ['column', ...(withRole ? ['role'] : []), 'type', 'inferred', 'missing', 'distinct', 'values'];
  return table(header, columns.map((c) => [
    oneLine(c.name, 30), ...(withRole ? [role(c.name)] : []), c.type, c.inferred ? 'yes' : 'no (declared)', String(c.missing), `${c.distinctEstimated ? '~' : ''}${c.distinct}`, summary(c),
  ]), header.map((h) => h === 'missing' || h === 'distinct'));
}

/** `FILE:ROW: error: what` (the format editors and CI annotate). */
export function formatDataError(err: DataError): string {
  const where = err.file ? (err.row !== undefined ? `${displayPath(err.file)}:${err.row}` : displayPath(err.file)) : '';
  const prefix = `${where}: `;
  const what = where && err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return where ? `${where}: error: ${what}` : `error: ${what}`;
}

interface Shapes { x: number[]; y: number[]; dtype: 'float32' }

function tensorShapes(p: PreparedData): Record<'train' | 'validation' | 'test', Shapes> {
  const of = (n: number): Shapes => ({ x: [n, ...p.preprocessing.inputShape], y: [n], dtype: 'float32' });
  return { train: of(p.train.n), validation: of(p.validation.n), test: of(p.test.n) };
}

function num(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

function summary(c: ColumnInfo): string {
  if (c.type === 'numeric') return c.min === undefined ? '(no values)' : `min ${num(c.min)}  max ${num(c.max)}  mean ${num(c.mean)}`;
  if (c.top && c.top.length > 0) {
    const shown = c.top.slice(0, 4).map((t) => `${oneLine(t.value, 18)} ${t.count}`).join(', ');
    return c.distinct > 4 ? `${shown}, … (${c.distinct - 4} more)` : shown;
  }
  return '';
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Left-aligned text columns, right-aligned number columns. */
function table(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i].length), h.length));
  const line = (r: string[]) => r.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

function render(file: string, spec: ModelSpecFile, p: PreparedData, shapes: ReturnType<typeof tensorShapes>): string {
  const info: DatasetInfo = p.info;
  const out: string[] = [];
  out.push(`${displayPath(file)}: ${String(spec.task)} of '${info.label}'`);
  const dropped = info.droppedRows > 0 ? ` (${info.droppedRows} dropped for missing values)` : '';
  out.push(`data: ${displayPath(info.source)} (${info.format}), ${info.rows} rows${dropped}, ${info.columns.length} columns`);
  out.push('');
  const role = (name: string) => (name === info.label ? 'label' : info.features.includes(name) ? 'feature' : '-');
  out.push(columnTable(info.columns, role));
  if (info.classBalance) {
    const total = info.classBalance.reduce((a, b) => a + b.count, 0);
    const most = info.classBalance.reduce((m, c) => Math.max(m, c.count), 0);
    out.push('', `class balance (${info.classBalance.length} classes):`);
    out.push(table(['class', 'rows', 'share', ''], info.classBalance.map((c) => [
      oneLine(c.label, 30), String(c.count), `${((100 * c.count) / total).toFixed(1)}%`, '█'.repeat(Math.max(1, Math.round((20 * c.count) / most))),
    ]), [false, true, true, false]));
  }
  const split = (spec.data as { split?: { seed?: number; stratify?: boolean; shuffle?: boolean } }).split ?? {};
  const how = split.shuffle === false ? 'in file order' : `seed ${split.seed ?? 42}${p.task === 'classification' && split.stratify !== false ? ', stratified' : ''}`;
  out.push('', `splits (${how}): train ${info.splits.train} · validation ${info.splits.validation} · test ${info.splits.test}`);
  out.push(`features (${info.features.length}): ${info.features.join(', ')}`);
  const classes = p.preprocessing.label.classes;
  const yNote = classes ? `(${classes.length} classes)` : p.preprocessing.label.divisor !== undefined ? '(standardised target)' : '';
  const kind = p.preprocessing.inputKind === 'sequence' ? ' token ids' : p.preprocessing.inputKind === 'image' ? ' pixels [h, w, c]' : '';
  out.push('', `tensors (${kind ? kind.trim() : `${p.preprocessing.inputShape[0]} inputs after encoding`}):`);
  const rows = (['train', 'validation', 'test'] as const).map((s) => [s, `x: [${shapes[s].x.join(', ')}] float32`, `y: [${shapes[s].y.join(', ')}] ${yNote}`.trimEnd()]);
  out.push(table(['', '', ''], rows, [false, false, false]).split('\n').slice(1).join('\n'));
  if (info.warnings.length > 0) {
    out.push('', 'warnings:');
    for (const w of info.warnings) out.push(`  - ${w}`);
  }
  return `${out.join('\n')}\n`;
}
