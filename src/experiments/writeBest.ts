/**
 * "Write Best Values Into the Model File": the edits that put a sweep trial's parameter values into the
 * model file's text. A value the file writes is replaced where it stands (comments, layout and everything
 * else untouched); a field the file does not write yet (a default) is added, which rewrites the file
 * through the YAML document model (comments kept) or, for .model.json, as formatted JSON.
 * No `vscode`: the extension turns the edits into one WorkspaceEdit, so a single Undo takes them back.
 */
import { isScalar, parseDocument, stringify } from 'yaml';
import type { Segment } from '../modelFile/fieldPath';
import { isJsonFile, parseModelText } from '../modelFile/parse';

export interface TextEdit { start: number; end: number; text: string }

/** A value as the file's language writes it inline: `0.001`, `adam`, `{ type: sgd }`, `[8, 16]`. */
export function inlineValue(value: unknown, json: boolean): string {
  if (json) return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '.nan';
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/**
 * The edits (in text order, not overlapping) that set each field to its value. When every field is
 * written in the file, they are replacements of the values alone; otherwise one edit replaces the
 * whole text. Throws when the text is not a readable model file.
 */
export function bestValueEdits(text: string, file: string, values: ReadonlyArray<{ segments: readonly Segment[]; value: unknown }>): TextEdit[] {
  const parsed = parseModelText(text, file);
  if (parsed.problems.length > 0) throw new Error(`${file} cannot be read as a model file now (${parsed.problems[0].message}); fix it first`);
  const json = isJsonFile(file);
  const starts = lineStarts(text);
  const offset = (line: number, column: number) => Math.min(text.length, (starts[line - 1] ?? text.length) + column - 1);
  const edits: TextEdit[] = [];
  for (const { segments, value } of values) {
    const at = parsed.locate(segments, 'value');
    if (!at.exact) return [{ start: 0, end: text.length, text: rewritten(text, json, values) }];
    const start = offset(at.line, at.column);
    let end = offset(at.endLine, at.endColumn);
    // a block collection's range runs to the start of the next key: keep the line break that ends it
    while (end > start && /\s/.test(text[end - 1])) end--;
    edits.push({ start, end, text: inlineValue(value, json) });
  }
  edits.sort((a, b) => a.start - b.start);
  for (let i = 1; i < edits.length; i++) {
    if (edits[i].start < edits[i - 1].end) return [{ start: 0, end: text.length, text: rewritten(text, json, values) }];
  }
  return edits;
}

function rewritten(text: string, json: boolean, values: ReadonlyArray<{ segments: readonly Segment[]; value: unknown }>): string {
  if (json) {
    const doc = JSON.parse(text) as unknown;
    for (const { segments, value } of values) setIn(doc, segments, value);
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
  const doc = parseDocument(text);
  for (const { segments, value } of values) {
    const node = doc.getIn([...segments], true);
    // a scalar that is there keeps its comment: change its value only
    if (isScalar(node) && (value === null || typeof value !== 'object')) node.value = value;
    else doc.setIn([...segments], doc.createNode(value, { flow: typeof value === 'object' && value !== null }));
  }
  return doc.toString({ lineWidth: 0 });
}

function setIn(root: unknown, segments: readonly Segment[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  segments.forEach((seg, i) => {
    if (i === segments.length - 1) {
      node[seg] = value;
      return;
    }
    if (typeof node[seg] !== 'object' || node[seg] === null) node[seg] = {};
    node = node[seg] as Record<string | number, unknown>;
  });
}

/** The text with the edits applied (for tests and for checking the result before offering it). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}
