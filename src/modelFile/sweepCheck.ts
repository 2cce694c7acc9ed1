/**
 * The sweep stage of validation: the `sweep:` section against the rest of the file. Each parameter
 * path must name a field of this file (`train.optimizer.learningRate`, `model.layers.0.units`), with
 * "did you mean" when it does not; every listed value, and both ends of a range, must be a value that
 * field accepts (checked by putting it into the file and validating, as a trial would); the metric must
 * be one the runs log. The result is a SweepPlan: the sweep with defaults filled and each parameter
 * normalised (its path as segments, integer or not, linear or log), which the samplers read.
 *
 * The same path resolution checks `model-studio train --set PATH=VALUE` overrides.
 */
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { describeSchema, kindOf, showValue } from './describe';
import { formatPath, parsePath, pointerSegments, type Segment } from './fieldPath';
import { problemAt, type ParsedText } from './parse';
import type { SpecProblem } from './problems';
import { LAYER_SCHEMAS, LAYER_TYPES, ModelFileSchema, type ModelSpecFile } from './schema';
import { didYouMean } from './suggest';
import { SWEEP_SCALES, type SweepGoal, type SweepMethod } from './sweepSchema';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------- the plan

export type SweepParam =
  | { path: string; segments: Segment[]; kind: 'choice'; values: unknown[] }
  | { path: string; segments: Segment[]; kind: 'range'; min: number; max: number; log: boolean; integer: boolean; step?: number };

export interface SweepPlan {
  method: SweepMethod;
  /** how many trials the sweep runs (grid: the combinations, capped by `trials`) */
  trials: number;
  parallel: number;
  metric: string;
  goal: SweepGoal;
  earlyTermination?: { type: 'asha'; minEpochs: number; reductionFactor: number } | { type: 'median'; minEpochs: number; minTrials: number };
  seed: number;
  /** in the order the file lists them (grid varies the last one fastest) */
  parameters: SweepParam[];
  /** the trials' planned epochs (train.epochs), for the early-termination rungs */
  epochs: number;
}

/** Test-report numbers per task (the keys of report.json's summary; see src/engine/evaluate/report.ts). */
export const REPORT_METRICS = {
  classification: ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1', 'weightedF1', 'logLoss', 'auc', 'ap'],
  regression: ['mse', 'rmse', 'mae', 'r2', 'medianAbsoluteError', 'maxError'],
} as const;

/** Numbers that get better as they go up; everything else (losses, errors) goes down. */
const HIGHER_IS_BETTER = /^(acc|accuracy|precision|recall|auc|ap|r2|macroF1|weightedF1|macroPrecision|macroRecall|f1)$/i;

/** minimize or maximize, from the metric's name (`val_accuracy` up, `val_loss` down). */
export function goalOf(metric: string): SweepGoal {
  return HIGHER_IS_BETTER.test(metric.replace(/^(val_|test_)/, '')) ? 'maximize' : 'minimize';
}

/** Fields a sweep may not change: they name the runs, or are not training settings. */
const NOT_SWEEPABLE: Record<string, string> = {
  name: 'it names the run folders and the served model',
  task: 'the task decides the output layer, the loss and the report',
  sweep: 'it is the sweep itself',
  $schema: 'it is for editors only',
  description: 'it is free text',
};

const DEFAULT_TRIALS = 10;
const MAX_GRID = 10000;

// ---------------------------------------------------------------- field paths

export interface ResolvedPath {
  segments: Segment[];
  /** the schema of the field the path names */
  schema: TSchema;
}

export type PathResult = { ok: true; path: ResolvedPath } | { ok: false; message: string; allowed?: string[] };

/**
 * Where a dotted path (`model.layers.0.units`, `model.layers[0].units`) leads in a validated spec: its
 * segments (list indexes as numbers) and the schema of the field. A path that does not exist says why,
 * with the closest name at the first part that is wrong.
 */
export function resolveFieldPath(spec: ModelSpecFile, written: string): PathResult {
  const raw = parsePath(written.trim());
  if (raw.length === 0) return { ok: false, message: 'an empty parameter path; write a field of the model file, e.g. train.optimizer.learningRate' };
  const root = String(raw[0]);
  if (root in NOT_SWEEPABLE) return { ok: false, message: `\`${root}\` cannot be changed per trial: ${NOT_SWEEPABLE[root]}` };
  let schema: TSchema = ModelFileSchema;
  let value: unknown = spec;
  const segments: Segment[] = [];
  for (let i = 0; i < raw.length; i++) {
    const seg = raw[i];
    const here = formatPath(segments) || 'the file';
    const s = schema as Json;
    if (s.type === 'array') {
      const items = Array.isArray(value) ? value : [];
      const index = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : NaN;
      if (!Number.isInteger(index)) {
        return { ok: false, message: `\`${here}\` is a list: the next part must be an index (0 … ${Math.max(0, items.length - 1)}), not \`${String(seg)}\`` };
      }
      if (index >= items.length) {
        const noun = here === 'model.layers' ? 'layer' : 'item';
        return { ok: false, message: `\`${here}\` has ${items.length} ${noun}${items.length === 1 ? '' : 's'} (${items.length ? `indexes 0 … ${items.length - 1}` : 'none'}), so there is no \`${formatPath([...segments, index])}\`` };
      }
      segments.push(index);
      value = items[index];
      if (segments.length === 3 && segments[0] === 'model' && segments[1] === 'layers') {
        const type = isObj(value) ? String(value.type) : '';
        schema = (LAYER_SCHEMAS as Record<string, TSchema | undefined>)[type] ?? (s.items as TSchema);
      } else {
        schema = (Array.isArray(s.items) ? (s.items as TSchema[])[index] : (s.items as TSchema)) ?? ({} as TSchema);
      }
      continue;
    }
    const key = String(seg);
    const props = isObj(s.properties) ? (s.properties as Record<string, TSchema>) : undefined;
    const record = isObj(s.patternProperties) ? (Object.values(s.patternProperties as Json)[0] as TSchema) : undefined;
    if (props) {
      if (!(key in props)) {
        const known = Object.keys(props).filter((k) => !(segments.length === 0 && k in NOT_SWEEPABLE));
        const guess = didYouMean(key, known);
        const what = isLayer(segments) ? `a \`${String((value as Json).type)}\` layer (\`${here}\`) has no argument \`${key}\`` : `\`${here}\` has no key \`${key}\``;
        const suggestion = guess !== undefined ? `; did you mean \`${dotted([...segments, guess, ...raw.slice(i + 1)])}\`?` : '';
        return { ok: false, message: `${what}${suggestion} Known: ${known.join(', ')}`, allowed: known };
      }
      segments.push(key);
      schema = props[key];
      value = isObj(value) ? value[key] : undefined;
      continue;
    }
    if (record) {
      segments.push(key);
      schema = record;
      value = isObj(value) ? value[key] : undefined;
      continue;
    }
    const alts = (s.anyOf ?? s.oneOf) as TSchema[] | undefined;
    const fit = alts?.find((a) => (Array.isArray(value) ? (a as Json).type === 'array' : isObj(value) && (a as Json).type === 'object'));
    if (fit) {
      schema = fit;
      i--; // the same segment again, against the alternative that fits
      continue;
    }
    return { ok: false, message: `\`${here}\` is ${describeSchema(schema)}, a single value: it has no part \`${key}\`` };
  }
  return { ok: true, path: { segments, schema } };
}

const isLayer = (segs: Segment[]) => segs.length === 3 && segs[0] === 'model' && segs[1] === 'layers';

/** A path the way sweep parameters write it: `model.layers.0.units`. */
export function dotted(segments: readonly Segment[]): string {
  return segments.map(String).join('.');
}

/** A copy of `doc` with `value` at `segments`; missing mappings on the way are created. */
export function setAtPath(doc: unknown, segments: readonly Segment[], value: unknown): unknown {
  const root: unknown = structuredClone(doc ?? {});
  let node = root as Json | unknown[];
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[seg] = structuredClone(value);
      return;
    }
    if (typeof container[seg] !== 'object' || container[seg] === null) container[seg] = {};
    node = container[seg] as Json;
  });
  return root;
}

/**
 * What is wrong with `value` at the field, in the context of the whole file (written as `raw`): the
 * schema stage's check of the file with the value in place. Undefined when the value fits.
 */
export function checkValueAt(raw: unknown, target: ResolvedPath, value: unknown): string | undefined {
  const doc = setAtPath(raw, target.segments, value) as Json;
  Value.Default(ModelFileSchema, doc);
  // Inside a layer, a value can make another argument wrong (type: dense needs units): check the layer.
  const scope = target.segments[0] === 'model' && target.segments[1] === 'layers' && target.segments.length >= 3 ? target.segments.slice(0, 3) : target.segments;
  const within = (segs: Segment[]) => scope.every((s, i) => String(segs[i]) === String(s)) || segs.every((s, i) => String(scope[i]) === String(s));
  for (const e of Value.Errors(ModelFileSchema, doc)) {
    const segs = pointerSegments(e.path);
    if (!within(segs)) continue;
    const field = formatPath(segs) === formatPath(target.segments) ? 'it' : `\`${formatPath(segs)}\``;
    if (e.value === undefined) return `${field === 'it' ? 'a value' : field} is required`;
    return `${field} must be ${describeSchema(e.schema)}; got ${kindOf(e.value)}`;
  }
  const layers = isObj(doc.model) && Array.isArray(doc.model.layers) ? doc.model.layers : [];
  if (scope[0] === 'model' && scope[1] === 'layers' && typeof scope[2] === 'number') {
    const layer = layers[scope[2]];
    const type = isObj(layer) ? String(layer.type) : '';
    const schema = (LAYER_SCHEMAS as Record<string, TSchema | undefined>)[type];
    if (!schema) return `\`${formatPath(scope)}.type\` must be one of ${LAYER_TYPES.join(', ')}; got ${kindOf(isObj(layer) ? layer.type : layer)}`;
    for (const e of Value.Errors(schema, layer)) {
      const segs = [...scope, ...pointerSegments(e.path)];
      if (e.type === ValueErrorType.ObjectAdditionalProperties || e.value === undefined) {
        const what = e.value === undefined ? `needs \`${String(segs[segs.length - 1])}\`` : `has no argument \`${String(segs[segs.length - 1])}\``;
        return `a \`${type}\` layer ${what} (\`${formatPath(segs)}\`)`;
      }
      const field = formatPath(segs) === formatPath(target.segments) ? 'it' : `\`${formatPath(segs)}\``;
      return `${field} must be ${describeSchema(e.schema)}; got ${kindOf(e.value)}`;
    }
  }
  return undefined;
}

/** Whether a field's schema takes numbers, and only integers. */
function numericKind(schema: TSchema): 'integer' | 'number' | undefined {
  const s = schema as Json;
  if (s.type === 'integer') return 'integer';
  if (s.type === 'number') return 'number';
  const alts = (s.anyOf ?? s.oneOf) as TSchema[] | undefined;
  if (!alts) return undefined;
  const kinds = alts.map(numericKind).filter((k) => k !== undefined);
  if (kinds.length === 0) return undefined;
  return kinds.includes('number') ? 'number' : 'integer';
}

// ---------------------------------------------------------------- the section

/**
 * Checks `sweep:` of a spec that passed the schema stage, against the rest of the file (`parsed.value`
 * is the file as written; `spec` has the defaults filled). Returns the plan when there is no error.
 */
export function checkSweep(parsed: ParsedText, spec: ModelSpecFile, reportedEpochMetrics: readonly string[]): { problems: SpecProblem[]; plan?: SweepPlan } {
  const sweep = spec.sweep;
  if (!sweep) return { problems: [] };
  const problems: SpecProblem[] = [];
  const err = (segs: Segment[], message: string, extra: Partial<SpecProblem> = {}, where: 'key' | 'value' = 'value') => problems.push(problemAt(parsed, segs, message, extra, where));
  const warn = (segs: Segment[], message: string, extra: Partial<SpecProblem> = {}) => problems.push(problemAt(parsed, segs, message, { severity: 'warning', ...extra }));
  const base = ['sweep', 'parameters'];

  const parameters: SweepParam[] = [];
  const claimed: Array<{ key: string; segments: Segment[] }> = [];
  for (const [key, def] of Object.entries(sweep.parameters)) {
    const at = [...base, key];
    const found = resolveFieldPath(spec, key);
    if (!found.ok) {
      err(at, `sweep parameter \`${key}\` is not a field of this model file: ${found.message}`, { value: key, ...(found.allowed ? { allowed: found.allowed } : {}) }, 'key');
      continue;
    }
    const target = found.path;
    const name = formatPath(target.segments);
    const overlap = claimed.find((c) => isPrefix(c.segments, target.segments) || isPrefix(target.segments, c.segments));
    if (overlap) {
      err(at, `sweep parameters \`${overlap.key}\` and \`${key}\` overlap (one is inside the other): sweep one of them`, { value: key }, 'key');
      continue;
    }
    claimed.push({ key, segments: target.segments });
    const values = Array.isArray(def) ? def : 'values' in def ? def.values : undefined;
    if (values) {
      const at2 = Array.isArray(def) ? at : [...at, 'values'];
      let ok = true;
      values.forEach((v, i) => {
        const wrong = checkValueAt(parsed.value, target, v);
        if (wrong) {
          ok = false;
          err([...at2, i], `sweep parameter \`${key}\`: ${showValue(v)} does not fit \`${name}\`: ${wrong}`, { value: v });
        }
      });
      const seen = new Set<string>();
      values.forEach((v, i) => {
        const k = JSON.stringify(v);
        if (seen.has(k)) warn([...at2, i], `sweep parameter \`${key}\` lists ${showValue(v)} more than once: it will be tried more often than the others`, { value: v });
        seen.add(k);
      });
      if (ok) parameters.push({ path: key, segments: target.segments, kind: 'choice', values: structuredClone(values) });
      continue;
    }
    const range = def as { min: number; max: number; scale?: 'linear' | 'log'; step?: number };
    const numeric = numericKind(target.schema);
    if (!numeric) {
      err(at, `sweep parameter \`${key}\`: a range { min, max } needs a numeric field, but \`${name}\` is ${describeSchema(target.schema)}; list the values to try instead, e.g. ${key}: [a, b]`, { value: range });
      continue;
    }
    const integer = numeric === 'integer';
    const log = range.scale === 'log';
    let ok = true;
    if (!(range.min < range.max)) {
      err([...at, 'max'], `sweep parameter \`${key}\`: \`max\` (${range.max}) must be above \`min\` (${range.min})`, { value: range.max });
      ok = false;
    }
    if (integer && (!Number.isInteger(range.min) || !Number.isInteger(range.max))) {
      err([...at, Number.isInteger(range.min) ? 'max' : 'min'], `sweep parameter \`${key}\`: \`${name}\` takes integers, so \`min\` and \`max\` must be integers (got ${range.min} … ${range.max})`, { value: range });
      ok = false;
    }
    if (log && range.min <= 0) {
      err([...at, 'min'], `sweep parameter \`${key}\`: \`scale: log\` needs \`min\` above 0 (got ${range.min}); use a small positive number such as 1e-5, or \`scale: linear\``, { value: range.min });
      ok = false;
    }
    if (range.step !== undefined && integer && !Number.isInteger(range.step)) {
      err([...at, 'step'], `sweep parameter \`${key}\`: \`${name}\` takes integers, so \`step\` must be an integer (got ${range.step})`, { value: range.step });
      ok = false;
    }
    if (range.step !== undefined && log) {
      err([...at, 'step'], `sweep parameter \`${key}\`: \`step\` counts evenly spaced values, which \`scale: log\` does not have; drop one of them (or list the values)`, { value: range.step });
      ok = false;
    }
    for (const end of ok ? (['min', 'max'] as const) : []) {
      const wrong = checkValueAt(parsed.value, target, range[end]);
      if (wrong) {
        err([...at, end], `sweep parameter \`${key}\`: \`${end}\` ${range[end]} does not fit \`${name}\`: ${wrong}`, { value: range[end] });
        ok = false;
      }
    }
    if (ok) parameters.push({ path: key, segments: target.segments, kind: 'range', min: range.min, max: range.max, log, integer, ...(range.step !== undefined ? { step: range.step } : {}) });
  }

  // --- method and size
  let trials = sweep.trials ?? DEFAULT_TRIALS;
  if (sweep.method === 'grid') {
    let combinations = 1;
    for (const p of parameters) {
      if (p.kind === 'range' && p.step === undefined && !(p.integer && p.max - p.min < 64)) {
        err([...base, p.path], `\`method: grid\` tries every combination, so the range of \`${p.path}\` needs a \`step\` (or list the values to try)`, { value: sweep.parameters[p.path] });
        combinations = NaN;
        continue;
      }
      combinations *= gridValues(p).length;
    }
    if (Number.isFinite(combinations)) {
      if (sweep.trials === undefined && combinations > MAX_GRID) {
        err(['sweep', 'method'], `the grid has ${combinations} combinations; set \`sweep.trials\` to run only the first ones, or use \`method: random\``, { value: 'grid' });
      } else if (sweep.trials !== undefined && sweep.trials < combinations) {
        warn(['sweep', 'trials'], `the grid has ${combinations} combinations; \`trials: ${sweep.trials}\` runs only the first ${sweep.trials}`, { value: sweep.trials });
      }
      trials = Math.min(sweep.trials ?? combinations, combinations);
    }
  }

  // --- metric and goal
  const reportKeys = (REPORT_METRICS[spec.task] as readonly string[]).map((k) => `test_${k}`);
  const known = [...reportedEpochMetrics, ...reportKeys];
  const metric = sweep.metric;
  if (!known.includes(metric)) {
    const guess = didYouMean(metric, known);
    err(['sweep', 'metric'], `\`sweep.metric\` is \`${metric}\`, which the runs do not log${guess !== undefined ? `; did you mean \`${guess}\`?` : '.'} Each epoch: ${reportedEpochMetrics.join(', ')}; from the test report: ${reportKeys.join(', ')}.`, { value: metric, allowed: known });
  } else if (metric.startsWith('val_') && spec.data.split.validation === 0) {
    err(['sweep', 'metric'], `\`sweep.metric\` is \`${metric}\`, but \`data.split.validation\` is 0, so there is no validation split to compute it on. Use \`${metric.slice(4)}\` or set a validation fraction.`, { value: metric });
  }
  const inferred = goalOf(metric);
  const goal = sweep.goal ?? inferred;
  if (sweep.goal !== undefined && sweep.goal !== inferred) {
    warn(['sweep', 'goal'], `\`sweep.goal\` is \`${sweep.goal}\`, but \`${metric}\` gets better as it goes ${inferred === 'maximize' ? 'up' : 'down'}: the sweep would look for the worst trial. Use \`${inferred}\` (or leave \`goal\` out).`, { value: sweep.goal });
  }

  // --- early termination
  let earlyTermination: SweepPlan['earlyTermination'];
  const et = sweep.earlyTermination;
  if (et) {
    const at = ['sweep', 'earlyTermination'];
    if (metric.startsWith('test_')) {
      err(['sweep', 'metric'], `\`sweep.earlyTermination\` compares trials at intermediate epochs, but \`${metric}\` is only known when a trial ends; make the metric one logged each epoch (e.g. ${spec.task === 'regression' ? 'val_loss' : 'val_accuracy'}), or drop \`earlyTermination\`.`, { value: metric });
    }
    if (et.type === 'asha' && et.minTrials !== undefined) err([...at, 'minTrials'], '`minTrials` belongs to `type: median`; asha keeps the best 1/`reductionFactor` of the trials at each rung', { value: et.minTrials }, 'key');
    if (et.type === 'median' && et.reductionFactor !== undefined) err([...at, 'reductionFactor'], '`reductionFactor` belongs to `type: asha`; median uses `minEpochs` and `minTrials`', { value: et.reductionFactor }, 'key');
    if (et.minEpochs >= spec.train.epochs) {
      warn([...at, 'minEpochs'], `\`minEpochs\` (${et.minEpochs}) is not below \`train.epochs\` (${spec.train.epochs}): no trial can be stopped early`, { value: et.minEpochs });
    }
    earlyTermination = et.type === 'asha'
      ? { type: 'asha', minEpochs: et.minEpochs, reductionFactor: et.reductionFactor ?? 3 }
      : { type: 'median', minEpochs: et.minEpochs, minTrials: et.minTrials ?? 3 };
  }

  if (problems.some((p) => p.severity === 'error')) return { problems };
  return {
    problems,
    plan: {
      method: sweep.method, trials, parallel: sweep.parallel, metric, goal, seed: sweep.seed, parameters, epochs: spec.train.epochs,
      ...(earlyTermination ? { earlyTermination } : {}),
    },
  };
}

const isPrefix = (a: readonly Segment[], b: readonly Segment[]) => a.length <= b.length && a.every((s, i) => String(s) === String(b[i]));

/** The values a grid tries for a parameter, in order. */
export function gridValues(p: SweepParam): unknown[] {
  if (p.kind === 'choice') return p.values;
  const step = p.step ?? 1;
  const out: number[] = [];
  const n = Math.floor((p.max - p.min) / step + 1e-9);
  for (let k = 0; k <= n; k++) {
    const v = p.min + k * step;
    out.push(p.integer ? Math.round(v) : Number(v.toPrecision(12)));
  }
  return out;
}

const PARAM_KEYS = ['min', 'max', 'scale', 'step', 'values'];

/** What is wrong with the shape of one `sweep.parameters` entry (the schema only knows "none of three shapes"). */
export function sweepParameterShape(key: string, value: unknown): string {
  const name = `sweep parameter \`${key}\``;
  const forms = `a list of values to try ([16, 32, 64]) or a range ({ min: 0.0001, max: 0.1, scale: log })`;
  if (Array.isArray(value)) return `${name} is an empty list: give ${forms}`;
  if (!isObj(value)) return `${name} is ${kindOf(value)}, one value; give ${forms}`;
  const unknown = Object.keys(value).filter((k) => !PARAM_KEYS.includes(k));
  if (unknown.length > 0) {
    const guess = didYouMean(unknown[0], PARAM_KEYS);
    return `${name} has an unknown key \`${unknown[0]}\`${guess !== undefined ? `; did you mean \`${guess}\`?` : '.'} A range has min, max, scale (linear | log) and step; a list of values is [a, b] or { values: [a, b] }`;
  }
  if ('values' in value) {
    if (Object.keys(value).length > 1) return `${name} has \`values\` and range keys (${Object.keys(value).filter((k) => k !== 'values').join(', ')}): give one or the other`;
    return `${name}: \`values\` must be a list of at least one value; got ${kindOf(value.values)}`;
  }
  for (const end of ['min', 'max'] as const) {
    if (!(end in value)) return `${name} is a range without \`${end}\`: a range needs both min and max`;
    if (typeof value[end] !== 'number' || !Number.isFinite(value[end])) return `${name}: \`${end}\` must be a number; got ${kindOf(value[end])}`;
  }
  if ('scale' in value && !(SWEEP_SCALES as readonly unknown[]).includes(value.scale)) return `${name}: \`scale\` must be one of ${SWEEP_SCALES.join(', ')}; got ${kindOf(value.scale)}`;
  if ('step' in value && !(typeof value.step === 'number' && value.step > 0)) return `${name}: \`step\` must be a number above 0; got ${kindOf(value.step)}`;
  return `${name} must be ${forms}`;
}
