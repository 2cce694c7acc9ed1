/**
 * The schema stage of validation (Ludwig's order: defaults → schema → cross-field): fill defaults
 * with TypeBox, check with Value.Errors, and turn each error into a message that quotes the field
 * and the value and says what is allowed. Layers are checked per type against LAYER_SCHEMAS.
 */
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { limit, limitHint } from '../limits';
import { LAYER_SCHEMAS, LAYER_TYPES, ModelFileSchema, type LayerType } from './schema';
import { allowedValues, describeSchema, kindOf, showValue } from './describe';
import { formatPath, pointerSegments, type Segment } from './fieldPath';
import { problemAt, type ParsedText } from './parse';
import type { SpecProblem } from './problems';
import { didYouMean, suggestion } from './suggest';
import { sweepParameterShape } from './sweepCheck';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface SchemaResult {
  /** the value with defaults filled (check `problems` before trusting its shape) */
  resolved: unknown;
  problems: SpecProblem[];
}

export function checkSchema(parsed: ParsedText): SchemaResult {
  const raw = parsed.value;
  if (raw === null || raw === undefined) {
    return { resolved: raw, problems: [problemAt(parsed, [], 'the file has no settings (only comments or blank lines): a model file needs at least `name`, `task` and `data`')] };
  }
  if (!isObj(raw)) {
    const what = kindOf(raw);
    return {
      resolved: raw,
      problems: [problemAt(parsed, [], `a model file is a mapping of keys (name, task, data, model, train, …), but this file holds ${what}`, { value: raw })],
    };
  }
  // Before the schema walks them: a file with 330k layers took half a minute and 1.4 GB to validate.
  const rawLayers = isObj(raw.model) ? raw.model.layers : undefined;
  const maxLayers = limit('layers');
  if (Array.isArray(rawLayers) && rawLayers.length > maxLayers) {
    return {
      resolved: raw,
      problems: [problemAt(parsed, ['model', 'layers'], `\`model.layers\` lists ${rawLayers.length.toLocaleString('en-US')} layers, more than a model may have (${limitHint('layers', maxLayers)})`, { value: rawLayers.length }, 'key')],
    };
  }
  const resolved = structuredClone(raw);
  Value.Default(ModelFileSchema, resolved);
  const problems = translate(parsed, ModelFileSchema, resolved, []);
  problems.push(...paddedLists(parsed, raw, resolved, []));

  const layers = isObj(resolved.model) ? resolved.model.layers : undefined;
  if (Array.isArray(layers)) {
    layers.forEach((layer, i) => {
      if (!isObj(layer) || typeof layer.type !== 'string') return;
      const schema = (LAYER_SCHEMAS as Record<string, TSchema | undefined>)[layer.type];
      if (schema) problems.push(...translate(parsed, schema, layer, ['model', 'layers', i], layer.type as LayerType));
    });
  }
  return { resolved, problems };
}

/**
 * Any other YAML file checked against a TypeBox schema the same way (the targets file): each error
 * with its line and column, "did you mean" for misspelt keys and values.
 */
export function schemaProblems(parsed: ParsedText, schema: TSchema, value: unknown): SpecProblem[] {
  return translate(parsed, schema, value, []);
}

/** TypeBox errors of `value` against `schema`, as SpecProblems. `prefix` places a sub-value in the file. */
function translate(parsed: ParsedText, schema: TSchema, value: unknown, prefix: Segment[], layerType?: LayerType): SpecProblem[] {
  const errors = [...Value.Errors(schema, value)];
  const seen = new Set<string>();
  // A misspelt key also shows up as a missing required one (`lable:` → no `label`): report the typo only.
  const suggestedKeys = new Set<string>();
  for (const e of errors) {
    if (e.type !== ValueErrorType.ObjectAdditionalProperties) continue;
    const segs = pointerSegments(e.path);
    const known = knownKeys(e.schema);
    const guess = didYouMean(String(segs[segs.length - 1]), known);
    if (guess !== undefined) suggestedKeys.add(formatPath([...segs.slice(0, -1), guess]));
  }
  const out: SpecProblem[] = [];
  for (const e of errors) {
    const segs = pointerSegments(e.path);
    const key = formatPath(segs);
    if (seen.has(key) || [...seen].some((s) => key.startsWith(`${s}.`) || key.startsWith(`${s}[`))) continue;
    const missing = e.type === ValueErrorType.ObjectRequiredProperty || (e.value === undefined && segs.length > 0);
    if (missing && suggestedKeys.has(key)) continue;
    seen.add(key);
    out.push(toProblem(parsed, missing ? { ...e, type: ValueErrorType.ObjectRequiredProperty } : e, [...prefix, ...segs], layerType));
  }
  return out;
}

/**
 * Value.Default pads a short tuple from the schema's default (`size: [64]` would become [64, 28]):
 * report the list as written instead of silently completing it.
 */
function paddedLists(parsed: ParsedText, raw: unknown, resolved: unknown, segs: Segment[]): SpecProblem[] {
  if (Array.isArray(raw) && Array.isArray(resolved)) {
    if (raw.length !== resolved.length) {
      return [problemAt(parsed, segs, `\`${formatPath(segs)}\` must be a list of ${resolved.length} items; got ${raw.length}: ${showValue(raw)}`, { value: raw })];
    }
    return raw.flatMap((item, i) => paddedLists(parsed, item, resolved[i], [...segs, i]));
  }
  if (isObj(raw) && isObj(resolved)) {
    return Object.keys(raw).flatMap((k) => paddedLists(parsed, raw[k], resolved[k], [...segs, k]));
  }
  return [];
}

/** Keys an object schema accepts. */
function knownKeys(schema: unknown): string[] {
  return isObj(schema) && isObj(schema.properties) ? Object.keys(schema.properties) : [];
}

/** "; did you mean `x`? Allowed: a, b." or ". Allowed: a, b." */
function withAllowed(written: string, allowed: readonly string[], label = 'Allowed'): string {
  const guess = suggestion(written, allowed);
  const list = allowed.length ? ` ${label}: ${allowed.join(', ')}.` : '';
  return `${guess || '.'}${list}`;
}

function toProblem(parsed: ParsedText, e: ValueError, segs: Segment[], layerType?: LayerType): SpecProblem {
  const field = `\`${formatPath(segs)}\``;
  const parentPath = formatPath(segs.slice(0, -1));
  const last = segs[segs.length - 1];
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const known = layerType ? knownKeys(e.schema).filter((k) => k !== 'type') : knownKeys(e.schema);
      const where = layerType ? `for a \`${layerType}\` layer (\`${parentPath}\`)` : parentPath ? `in \`${parentPath}\`` : 'at the top level';
      const what = layerType ? 'unknown argument' : 'unknown key';
      return problemAt(parsed, segs, `${what} \`${String(last)}\` ${where}${withAllowed(String(last), known)}`,
        { value: e.value, allowed: known }, 'key');
    }
    case ValueErrorType.ObjectRequiredProperty: {
      const desc = isObj(e.schema) && typeof e.schema.description === 'string' ? ` (${e.schema.description.replace(/\.$/, '')})` : '';
      const allowed = allowedValues(e.schema);
      const options = allowed ? `: ${describeSchema(e.schema)}` : '';
      if (layerType === undefined && last === 'type' && segs[0] === 'model') {
        return problemAt(parsed, segs, `${field.replace('.type`', '`')} has no \`type\`: say which layer it is, one of ${LAYER_TYPES.join(', ')}`, { allowed: [...LAYER_TYPES] }, 'key');
      }
      return problemAt(parsed, segs, `${field} is required${options || desc}`, { allowed }, 'key');
    }
    case ValueErrorType.ArrayUniqueItems: {
      const items = Array.isArray(e.value) ? e.value.map((v) => JSON.stringify(v)) : [];
      const second = items.findIndex((v, i) => items.indexOf(v) !== i);
      if (second < 0) return problemAt(parsed, segs, `${field} lists the same item more than once`, { value: e.value });
      const first = items.indexOf(items[second]);
      const item = (e.value as unknown[])[second];
      return problemAt(parsed, [...segs, second], `${field} lists ${showValue(item)} twice (items ${first} and ${second}); each may appear once`, { value: item });
    }
    case ValueErrorType.Union: {
      if (segs.length === 3 && segs[0] === 'sweep' && segs[1] === 'parameters') {
        return problemAt(parsed, segs, sweepParameterShape(String(segs[2]), e.value), { value: e.value });
      }
      const allowed = allowedValues(e.schema);
      if (allowed && typeof e.value === 'string') {
        const isLayerType = layerType === undefined && segs.length === 4 && segs[0] === 'model' && segs[3] === 'type';
        const noun = isLayerType ? 'unknown layer type' : `${field} cannot be`;
        return problemAt(parsed, segs, `${noun} ${showValue(e.value)}${isLayerType ? ` at ${field}` : ''}${withAllowed(e.value, allowed, isLayerType ? 'Layer types' : 'Allowed')}`,
          { value: e.value, allowed });
      }
      return problemAt(parsed, segs, `${field} must be ${describeSchema(e.schema)}; got ${kindOf(e.value)}`, { value: e.value, allowed });
    }
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.IntegerMinimum: {
      const bound = isObj(e.schema) ? (e.type === ValueErrorType.IntegerMaximum ? e.schema.maximum : e.schema.minimum) : undefined;
      if (Math.abs(Number(bound)) === Number.MAX_SAFE_INTEGER) {
        return problemAt(parsed, segs, `${field} is ${String(e.value)}, beyond the largest whole number the engine counts exactly (2^53 − 1 = 9,007,199,254,740,991); use a smaller value`, { value: e.value });
      }
      return problemAt(parsed, segs, `${field} must be ${describeSchema(e.schema)}; got ${kindOf(e.value)}`, { value: e.value, allowed: allowedValues(e.schema) });
    }
    default: {
      const listHint = e.type === ValueErrorType.Array && (typeof e.value === 'string' || typeof e.value === 'number')
        ? ` (write a list, even of one item: [${String(e.value)}])` : '';
      return problemAt(parsed, segs, `${field} must be ${describeSchema(e.schema)}; got ${kindOf(e.value)}${listHint}`,
        { value: e.value, allowed: allowedValues(e.schema) });
    }
  }
}
