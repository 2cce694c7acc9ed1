/**
 * YAML completion and hover from the model file's JSON Schema, without the YAML extension: where
 * the cursor is (a path of keys, from indentation, so it works on half-typed files), what the
 * schema says there (properties, allowed values, description, default). No `vscode`.
 */
export type JsonSchema = Record<string, unknown>;
export type PathSeg = string | number; // number = an item of a list

export interface Place {
  /** keys from the root to the mapping the cursor is in */
  parent: PathSeg[];
  /** the key being typed or hovered (key position), or whose value is being typed (value position) */
  key?: string;
  at: 'key' | 'value';
  /** the partial word under the cursor */
  prefix: string;
  /** keys already present in the same mapping (not offered again) */
  siblings: Record<string, string>;
}

const KEY_LINE = /^(\s*)(?:-\s+)?([A-Za-z_$][\w$.-]*)\s*:(?:\s|$)/;

interface Line { indent: number; key?: string; dash: boolean; keyIndent: number; value?: string }

function analyse(text: string): Line {
  const noComment = text.replace(/\s+#.*$/, '');
  const indent = /^\s*/.exec(noComment)?.[0].length ?? 0;
  const dashM = /^(\s*)-(\s+|$)/.exec(noComment);
  const dash = dashM !== null;
  const keyIndent = dash ? dashM[0].length : indent;
  const m = KEY_LINE.exec(noComment);
  const key = m?.[2];
  const value = m ? noComment.slice(m[0].length).trim() : undefined;
  return { indent, key, dash, keyIndent, value };
}

/** The place of the cursor (0-based line and character) in YAML text. */
export function yamlPlace(lines: readonly string[], line: number, character: number): Place {
  const current = lines[line] ?? '';
  const before = current.slice(0, character);
  const colon = /^(\s*)(?:-\s+)?([A-Za-z_$][\w$.-]*)\s*:\s*(.*)$/.exec(before);
  const prefix = /[\w$.-]*$/.exec(before)?.[0] ?? '';
  const cur = analyse(current);
  const keyIndent = /^(\s*)(-\s+)?/.exec(before)?.[0].length ?? 0;
  // value position: "key: va|"; key position otherwise
  const at: Place['at'] = colon && !/[{[]/.test(colon[3]) ? 'value' : 'key';
  let key: string | undefined = at === 'value' ? colon?.[2] : undefined;
  if (at === 'key') {
    const word = /^[\w$.-]*/.exec(current.slice(character))?.[0] ?? '';
    key = (prefix + word) || undefined;
  }
  // the parents: walk up to lines with smaller key indentation
  const parent: PathSeg[] = [];
  let want = cur.dash ? cur.indent : keyIndent;
  if (cur.dash) parent.unshift(0);
  for (let i = line - 1; i >= 0 && want > 0; i--) {
    const raw = lines[i];
    if (!raw.trim() || /^\s*#/.test(raw)) continue;
    const l = analyse(raw);
    if (l.dash && l.keyIndent <= want && l.indent < want) {
      // "- key: v" above us at a smaller dash indent: we are inside that list item
      if (l.keyIndent === want) {
        parent.unshift(0);
        want = l.indent;
        continue;
      }
    }
    if (l.key && l.keyIndent < want) {
      parent.unshift(l.key);
      if (l.dash) parent.unshift(0);
      want = l.dash ? l.indent : l.keyIndent;
    }
  }
  // drop list markers at the front that would be above the root
  const siblings = collectSiblings(lines, line, cur.dash ? cur.keyIndent : keyIndent);
  return { parent: normalise(parent), key, at, prefix, siblings };
}

function normalise(p: PathSeg[]): PathSeg[] {
  // an item marker must follow a key; leading markers come from odd indentation
  while (p.length && typeof p[0] === 'number') p.shift();
  return p.filter((s, i) => !(typeof s === 'number' && typeof p[i - 1] === 'number'));
}

function collectSiblings(lines: readonly string[], line: number, indent: number): Record<string, string> {
  const out: Record<string, string> = {};
  const scan = (from: number, step: number) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const raw = lines[i];
      if (!raw.trim() || /^\s*#/.test(raw)) continue;
      const l = analyse(raw);
      if (l.keyIndent < indent || (l.indent < indent && !l.dash)) break;
      if (l.keyIndent === indent && l.key) out[l.key] = l.value ?? '';
      if (l.dash && l.indent < indent) break;
    }
  };
  scan(line - 1, -1);
  scan(line + 1, 1);
  return out;
}

const isSchema = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The variants of a schema (anyOf/oneOf), each with the base's own properties, or itself. */
function variants(s: JsonSchema): JsonSchema[] {
  const alts = (s.anyOf ?? s.oneOf) as unknown;
  if (!Array.isArray(alts)) return [s];
  const { anyOf: _a, oneOf: _o, ...base } = s;
  const baseProps = isSchema(base.properties) ? base.properties : {};
  return alts.filter(isSchema).flatMap((alt) => variants({ ...base, ...alt, properties: { ...baseProps, ...(isSchema(alt.properties) ? alt.properties : {}) } }));
}

/** The schema at a path; among list-item variants, the one whose `type` matches the sibling's. */
export function schemaAt(root: JsonSchema, path: readonly PathSeg[], siblings: Record<string, string> = {}): JsonSchema | undefined {
  let cur: JsonSchema[] = [root];
  for (const seg of path) {
    const next: JsonSchema[] = [];
    for (const s of cur.flatMap(variants)) {
      if (typeof seg === 'number') {
        if (isSchema(s.items)) next.push(s.items);
        else if (Array.isArray(s.items)) next.push(...s.items.filter(isSchema));
      } else if (isSchema(s.properties) && isSchema((s.properties as JsonSchema)[seg])) {
        next.push((s.properties as JsonSchema)[seg] as JsonSchema);
      } else if (isSchema(s.additionalProperties)) {
        next.push(s.additionalProperties);
      }
    }
    if (next.length === 0) return undefined;
    cur = next;
  }
  const all = cur.flatMap(variants);
  if (all.length > 1 && siblings.type) {
    const typed = all.find((v) => valuesOf((v.properties as JsonSchema | undefined)?.type as JsonSchema | undefined).includes(unquote(siblings.type)));
    if (typed) return typed;
  }
  if (all.length === 1) return all[0];
  // several: merge their properties (a list of layer kinds offers every argument)
  const properties: JsonSchema = {};
  for (const v of all) if (isSchema(v.properties)) Object.assign(properties, v.properties);
  return { ...cur[0], properties };
}

const unquote = (s: string) => s.replace(/^['"]|['"]$/g, '');

/** Allowed literal values of a schema: enum, const, a union of either, booleans. */
export function valuesOf(s: JsonSchema | undefined): string[] {
  if (!s) return [];
  if (Array.isArray(s.enum)) return s.enum.map(String);
  if (s.const !== undefined) return [String(s.const)];
  if (s.type === 'boolean') return ['true', 'false'];
  const alts = (s.anyOf ?? s.oneOf) as unknown;
  if (Array.isArray(alts)) return [...new Set(alts.filter(isSchema).flatMap(valuesOf))];
  return [];
}

export interface Suggestion { label: string; kind: 'key' | 'value'; detail?: string; documentation?: string; insert: string }

export function completions(root: JsonSchema, place: Place): Suggestion[] {
  if (place.at === 'value') {
    const s = schemaAt(root, [...place.parent, place.key ?? ''], place.siblings);
    return valuesOf(s).map((v) => ({ label: v, kind: 'value', documentation: describeSchema(s), insert: v }));
  }
  const parent = schemaAt(root, place.parent, place.siblings);
  const props = parent && isSchema(parent.properties) ? (parent.properties as JsonSchema) : {};
  return Object.entries(props)
    .filter(([k, v]) => isSchema(v) && (!(k in place.siblings) || k === place.key) && !k.startsWith('$'))
    .map(([k, v]) => {
      const s = v as JsonSchema;
      const container = s.type === 'object' || (s.type === 'array' && isSchema(s.items) && (s.items as JsonSchema).type === 'object');
      return { label: k, kind: 'key', detail: typeLabel(s), documentation: describeSchema(s), insert: container ? `${k}:` : `${k}: ` };
    });
}

export function hover(root: JsonSchema, place: Place): string | undefined {
  if (!place.key) return undefined;
  const s = schemaAt(root, [...place.parent, place.key], place.siblings);
  if (!s) return undefined;
  return `**${[...place.parent.filter((p) => typeof p === 'string'), place.key].join('.')}** (${typeLabel(s)})\n\n${describeSchema(s)}`;
}

function typeLabel(s: JsonSchema): string {
  const values = valuesOf(s);
  if (values.length && s.type !== 'boolean') return values.length <= 4 ? values.join(' | ') : 'one of the listed values';
  if (typeof s.type === 'string') return s.type === 'array' ? 'list' : s.type;
  return variants(s).map((v) => String(v.type ?? 'value')).filter((t, i, a) => a.indexOf(t) === i).join(' | ');
}

export function describeSchema(s: JsonSchema | undefined): string {
  if (!s) return '';
  const parts: string[] = [];
  if (typeof s.description === 'string') parts.push(s.description);
  const values = valuesOf(s);
  if (values.length && s.type !== 'boolean') parts.push(`Allowed: ${values.map((v) => `\`${v}\``).join(', ')}`);
  if (s.default !== undefined && !(typeof s.default === 'object' && s.default !== null && Object.keys(s.default).length === 0)) parts.push(`Default: \`${JSON.stringify(s.default)}\``);
  const range = [s.minimum !== undefined ? `≥ ${String(s.minimum)}` : '', s.exclusiveMinimum !== undefined ? `> ${String(s.exclusiveMinimum)}` : '', s.maximum !== undefined ? `≤ ${String(s.maximum)}` : ''].filter(Boolean);
  if (range.length) parts.push(`Range: ${range.join(', ')}`);
  return parts.join('\n\n');
}
