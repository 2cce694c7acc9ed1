/** Schemas and values in words, for messages that teach ("must be an integer ≥ 1; got `0`"). */
import type { TSchema } from '@sinclair/typebox';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The string values a schema allows (a union of literals), or undefined. */
export function allowedValues(schema: unknown): string[] | undefined {
  if (!isObj(schema)) return undefined;
  if ('const' in schema) return [String(schema.const)];
  if (Array.isArray(schema.enum)) return schema.enum.map(String);
  const alts = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(alts)) return undefined;
  const values: string[] = [];
  for (const alt of alts) {
    if (!isObj(alt) || !('const' in alt)) return undefined;
    values.push(String(alt.const));
  }
  return values;
}

function range(s: Json): string {
  const parts: string[] = [];
  // The bounds every integer has (schema.ts boundIntegers) go without saying.
  if (typeof s.minimum === 'number' && s.minimum !== -Number.MAX_SAFE_INTEGER) parts.push(`≥ ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') parts.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number' && s.maximum !== Number.MAX_SAFE_INTEGER) parts.push(`≤ ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') parts.push(`< ${s.exclusiveMaximum}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/** Patterns of schema.ts in words. */
const PATTERN_WORDS: Record<string, string> = {
  '^[A-Za-z0-9][A-Za-z0-9_.-]*$': 'a name of letters, digits, `_`, `.` and `-` that starts with a letter or digit (it names folders and URLs)',
};

/** "an integer ≥ 1", "one of `adam`, `sgd`", "a list of strings", … */
export function describeSchema(schema: TSchema | unknown): string {
  if (!isObj(schema)) return 'a value';
  const allowed = allowedValues(schema);
  if (allowed) return allowed.length === 1 ? `\`${allowed[0]}\`` : `one of ${allowed.map((v) => `\`${v}\``).join(', ')}`;
  const alts = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alts)) return alts.map(describeSchema).join(' or ');
  switch (schema.type) {
    case 'integer': return `an integer${range(schema)}`;
    case 'number': return `a number${range(schema)}`;
    case 'boolean': return 'true or false';
    case 'null': return 'null';
    case 'string': {
      // patternErrorMessage: the words VS Code's JSON editor shows for a pattern, so the schema says it once
      if (typeof schema.pattern === 'string') return (typeof schema.patternErrorMessage === 'string' ? schema.patternErrorMessage : PATTERN_WORDS[schema.pattern]) ?? `a string matching /${schema.pattern}/`;
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
      if (max !== undefined && max === min) return `a string of ${max} character${max === 1 ? '' : 's'}`;
      return min > 0 ? 'a non-empty string' : 'a string';
    }
    case 'array': {
      if (Array.isArray(schema.items)) return `a list of ${schema.items.length} items: [${schema.items.map(describeSchema).join(', ')}]`;
      const min = typeof schema.minItems === 'number' && schema.minItems > 0 ? ` (at least ${schema.minItems})` : '';
      const unique = schema.uniqueItems === true ? ', without repeats' : '';
      return `a list of ${plural(describeSchema(schema.items))}${min}${unique}`;
    }
    case 'object': return 'a mapping (key: value)';
    default: return 'a value';
  }
}

/** "an integer ≥ 1" → "integers ≥ 1" (good enough for list items). */
function plural(phrase: string): string {
  if (phrase.startsWith('one of ')) return `items, each ${phrase}`;
  if (phrase === 'true or false') return 'true/false values';
  const m = /^an? (non-empty )?(\w+)(.*)$/.exec(phrase);
  return m ? `${m[1] ?? ''}${m[2]}s${m[3]}` : `items (${phrase})`;
}

/** A value as it would be written in the file, shortened. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `\`${value.length > 60 ? `${value.slice(0, 57)}…` : value}\``;
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) s = String(value);
  return `\`${s.length > 60 ? `${s.slice(0, 57)}…` : s}\``;
}

/** What kind of thing a value is, for "expected a mapping, got a list". */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${showValue(value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${showValue(value)}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return typeof value;
}
