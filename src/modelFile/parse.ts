/**
 * Model files as text → a value plus a map back to the text. YAML and JSON both go through the
 * `yaml` package (JSON is YAML), which keeps every node's offsets; a LineCounter turns offsets into
 * 1-based lines and columns. Syntax problems come back as SpecProblems, never as exceptions.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { limit, limitHint } from '../limits';
import type { SpecProblem } from './problems';
import { fileProblem } from './problems';
import { formatPath, type Segment } from './fieldPath';

export interface ParsedText {
  file: string;
  text: string;
  /** the plain value (undefined when the text could not be read as one document) */
  value: unknown;
  problems: SpecProblem[];
  /** where a field is written; `exact` is false when only an ancestor was found */
  locate(segments: readonly Segment[], at?: 'key' | 'value'): Located;
}

export interface Located {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  exact: boolean;
}

const START: Located = { line: 1, column: 1, endLine: 1, endColumn: 1, exact: false };

/** Control characters YAML and JSON never allow in a text file, and U+FFFD (bytes that were not UTF-8). */
const BINARY = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/;

export function isJsonFile(file: string): boolean {
  return /\.json$/i.test(file);
}

export function parseModelText(text: string, file: string): ParsedText {
  const lineCounter = new LineCounter();
  const problems: SpecProblem[] = [];
  const pos = (offset: number) => lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
  const at = (start: number, end: number, message: string, path = ''): SpecProblem => {
    const a = pos(start);
    const b = pos(Math.max(end, start));
    return { file, line: a.line, column: a.col, endLine: b.line, endColumn: b.col, path, message, severity: 'error' };
  };

  const result: ParsedText = { file, text, value: undefined, problems, locate: () => START };

  if (text.trim() === '') {
    problems.push(fileProblem(file, 'the file is empty: a model file needs at least `name`, `task` and `data` (see the example in the README)'));
    return result;
  }
  const binary = BINARY.exec(text);
  if (binary) {
    // Parse anyway only to count lines for the position; the content is not a model file.
    parseDocument(text.slice(0, binary.index + 1), { lineCounter });
    const code = binary[0].charCodeAt(0);
    const what = code === 0xfffd ? 'bytes that are not UTF-8' : `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    problems.push(at(binary.index, binary.index + 1, `the file is not text: it contains ${what}; a model file is YAML or JSON`));
    return result;
  }

  const maxDepth = limit('nestingDepth');
  const deep = deepestNesting(text, maxDepth);
  if (deep) {
    parseDocument(text.slice(0, deep.offset + 1), { lineCounter });
    problems.push(at(deep.offset, deep.offset + 1, tooDeep(maxDepth)));
    return result;
  }

  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' });
  // YAML accepts things JSON does not (trailing commas, comments, unquoted keys): hold .json files to
  // JSON. JSON.parse's message then replaces YAML's for the same fault; duplicate keys only YAML sees.
  const jsonProblem = isJsonFile(file) ? jsonSyntax(text) : undefined;
  if (jsonProblem) problems.push(at(jsonProblem.offset, jsonProblem.offset + 1, jsonProblem.message));
  for (const e of doc.errors) {
    if (jsonProblem && e.code !== 'DUPLICATE_KEY') continue;
    // The YAML library catches its own stack overflow; say what it means.
    const message = /Maximum call stack size exceeded/.test(e.message) ? tooDeep(maxDepth) : yamlMessage(e.code, e.message);
    problems.push(at(e.pos[0], e.pos[1], message));
  }
  result.locate = (segments, where = 'value') => locateIn(doc, lineCounter, text.length, segments, where);
  if (problems.length > 0) return result;
  // `? [a, b]: x` or `{a: 1}: x`: YAML allows keys that are collections, a model file does not.
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Node | null;
      if (key && !isScalar(key) && !isAlias(key) && key.range) {
        problems.push(at(key.range[0], key.range[1], `a key must be a name, but this one is a ${isSeq(key) ? 'list' : 'mapping'}; check the indentation and the \`:\` after each name`));
      }
    },
  });
  if (problems.length > 0) return result;
  try {
    result.value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problems.push(fileProblem(file, `cannot read the file: ${err instanceof Error ? err.message : String(err)}`));
  }
  return result;
}

export const tooDeep = (max: number): string =>
  `the file nests lists and mappings more than ${max} levels deep here; a model file needs only a few levels (check for runaway brackets or indentation; ${limitHint('nestingDepth', max)})`;

/**
 * Where the text first nests deeper than `max` (flow brackets, block indentation and compact `- - x`
 * entries together), in one linear pass and without recursion, so that a parser that recurses is never
 * handed a text that would overflow its stack. An over-estimate is fine (quoted text, comments and block
 * scalars are skipped; a plain scalar holding `[` may count), because real model files nest a few levels.
 */
export function deepestNesting(text: string, max: number): { offset: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote = '';
  let blockScalar = -1; // indentation of the line that opened a `|` / `>` block, while inside it
  let lineStart = true;
  let indent = 0;
  let dashes = 0;
  let last = ''; // the last significant character on the line: decides whether a quote opens a string
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      if (quote === '' && flow === 0 && blockScalar < 0 && /[|>][-+0-9]*$/.test(lineTail(text, i))) blockScalar = indent;
      lineStart = true;
      indent = 0;
      dashes = 0;
      last = '';
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        indent++;
        continue;
      }
      if (c === '\r' || c === '\t') continue;
      lineStart = false;
      if (blockScalar >= 0) {
        if (indent > blockScalar) {
          i = skipLine(text, i);
          continue;
        }
        blockScalar = -1;
      }
      if (quote === '' && flow === 0 && c !== '#') {
        while (indents.length > 0 && indents[indents.length - 1] > indent) indents.pop();
        if (indents.length === 0 || indents[indents.length - 1] < indent) indents.push(indent);
      }
    }
    if (quote !== '') {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      i = skipLine(text, i);
      continue;
    }
    if ((c === '"' || c === "'") && (last === '' || '[{,:-?'.includes(last))) {
      quote = c;
      last = c;
      continue;
    }
    if (c === '[' || c === '{') flow++;
    else if ((c === ']' || c === '}') && flow > 0) flow--;
    else if ((c === '-' || c === '?') && flow === 0 && (last === '' || last === '-' || last === '?') && (text[i + 1] === ' ' || text[i + 1] === '\n' || i + 1 === text.length)) dashes++;
    if (c !== ' ' && c !== '\t' && c !== '\r') last = c;
    if (indents.length + dashes + flow > max) return { offset: i };
  }
  return undefined;
}

/** The text of the line before offset `end`, without a trailing comment or spaces. */
function lineTail(text: string, end: number): string {
  const start = Math.max(text.lastIndexOf('\n', end - 1) + 1, end - 200);
  const line = text.slice(start, end);
  const comment = line.indexOf(' #');
  return (comment >= 0 ? line.slice(0, comment) : line).trimEnd();
}

/** The offset just before the newline that ends the line holding `i` (the loop's i++ then lands on it). */
function skipLine(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return (nl < 0 ? text.length : nl) - 1;
}

/** The first problem JSON.parse finds, with its offset. */
function jsonSyntax(text: string): { offset: number; message: string } | undefined {
  const message = jsonError(text);
  if (message === undefined) return undefined;
  const m = /at position (\d+)/.exec(message);
  const offset = m ? Number(m[1]) : /end of JSON input/.test(message) ? text.length : jsonErrorOffset(text);
  // V8 words it three ways: "… in JSON at position 19 (line 2 column 5)", "Unexpected token '}', "…snippet…" is not valid JSON", "Unexpected end of JSON input".
  const clean = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '').replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
  const before = text.slice(0, offset).trimEnd();
  const hint = before.endsWith(',') && /^\s*[}\]]/.test(text.slice(offset)) ? ' (a trailing comma: JSON allows none)'
    : /^\s*(\/\/|\/\*|#)/.test(text.slice(offset)) ? ' (comments are not JSON; use a .model.yaml file for comments)' : '';
  return { offset, message: `invalid JSON: ${clean}${hint}` };
}

function jsonError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Where JSON.parse fails when its message gives no position: the shortest prefix that fails for a reason
 * other than ending early. Prefixes shorter than the fault parse or end early; longer ones fail: a binary search.
 */
function jsonErrorOffset(text: string): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const e = jsonError(text.slice(0, mid + 1));
    const at = /at position (\d+)/.exec(e ?? '');
    const early = e === undefined || /end of JSON input|Unterminated/.test(e) || (at !== null && Number(at[1]) >= mid + 1);
    if (early) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, text.length);
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  switch (code) {
    case 'DUPLICATE_KEY': return 'duplicate key: each key may appear once in a mapping (the later one would silently win)';
    case 'TAB_AS_INDENT': return 'tabs are not allowed as indentation in YAML; indent with spaces';
    case 'MULTIPLE_DOCS': return 'the file holds more than one YAML document (a `---` line); a model file is one document';
    default: return `invalid YAML: ${first}`;
  }
}

function locateIn(doc: Document.Parsed, lc: LineCounter, length: number, segments: readonly Segment[], where: 'key' | 'value'): Located {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  let matched = 0;
  for (const seg of segments) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let nextKey: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) {
        next = pair.value;
        nextKey = pair.key as Node;
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    if (next === undefined && nextKey === undefined) break;
    node = next;
    key = nextKey;
    matched++;
  }
  const exact = matched === segments.length;
  const useKey = key !== undefined && (where === 'key' || !exact || node === null || node === undefined || isEmptyScalar(node));
  const target = (useKey ? key : node) as Node | null | undefined;
  const range = target?.range;
  if (!range) return { ...START, exact: exact && segments.length === 0 };
  const a = lc.linePos(Math.min(range[0], length));
  // Not the field itself but its parent collection: mark where it starts, do not underline all of it.
  const end = !exact && !useKey ? range[0] : Math.max(range[1], range[0]);
  const b = lc.linePos(Math.min(end, length));
  return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col, exact };
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && Array.isArray(node.range) && node.range[0] === node.range[1];
}

/** Problem at a field: the value (or, for unknown keys and missing fields, the key that holds it). */
export function problemAt(parsed: ParsedText, segments: readonly Segment[], message: string, extra: Partial<SpecProblem> = {}, where: 'key' | 'value' = 'value'): SpecProblem {
  const loc = parsed.locate(segments, where);
  return {
    file: parsed.file, line: loc.line, column: loc.column, endLine: loc.endLine, endColumn: loc.endColumn,
    path: formatPath(segments), message, severity: 'error', ...extra,
  };
}
