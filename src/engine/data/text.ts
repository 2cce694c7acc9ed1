/**
 * Text for models: tokenise, fit a vocabulary on the training split, and encode to fixed-length
 * token-id sequences. The vocabulary saved in the transform starts with two reserved entries:
 * index 0 = padding (''), index 1 = out-of-vocabulary ('[UNK]'), as Keras TextVectorization.
 * Sequences are padded at the start and truncated at the end (the first tokens are kept), so a
 * recurrent layer without masking reads the text last, right before its output.
 */
import type { FeatureTransform } from './types';

export type TextTransform = Extract<FeatureTransform, { kind: 'text' }>;

export interface TextSettings {
  maxTokens: number;
  sequenceLength: number;
  lowercase: boolean;
  stripPunctuation: boolean;
}

export const PAD_TOKEN = '';
export const OOV_TOKEN = '[UNK]';
export const TEXT_DEFAULTS: TextSettings = { maxTokens: 10000, sequenceLength: 100, lowercase: true, stripPunctuation: true };

// a word: letters/digits, with inner apostrophes kept (don't, l'homme)
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;
// the same, or any single other visible character (punctuation kept as its own token)
const WORD_OR_MARK = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]/gu;

/** Split a text into tokens. Missing values (null, undefined) are the empty text. */
export function tokenize(value: unknown, opts: Pick<TextSettings, 'lowercase' | 'stripPunctuation'>): string[] {
  if (value === null || value === undefined) return [];
  let text = typeof value === 'string' ? value : String(value);
  text = text.normalize('NFC');
  if (opts.lowercase) text = text.toLowerCase();
  return text.match(opts.stripPunctuation ? WORD : WORD_OR_MARK) ?? [];
}

/**
 * The `maxTokens` entries (padding and OOV included) of a vocabulary fitted on `texts`: most
 * frequent first, ties in code-point order so the result does not depend on the row order.
 */
export function fitVocabulary(texts: Iterable<unknown>, settings: TextSettings): string[] {
  const counts = new Map<string, number>();
  for (const t of texts) for (const tok of tokenize(t, settings)) counts.set(tok, (counts.get(tok) ?? 0) + 1);
  counts.delete(OOV_TOKEN);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [PAD_TOKEN, OOV_TOKEN, ...ranked.slice(0, Math.max(0, settings.maxTokens - 2)).map(([tok]) => tok)];
}

export function textTransform(name: string, vocabulary: string[], settings: TextSettings): TextTransform {
  return { name, kind: 'text', vocabulary, sequenceLength: settings.sequenceLength, lowercase: settings.lowercase, stripPunctuation: settings.stripPunctuation };
}

const indexCache = new WeakMap<string[], Map<string, number>>();

function indexOf(vocabulary: string[]): Map<string, number> {
  let m = indexCache.get(vocabulary);
  if (!m) {
    m = new Map();
    // reserved entries are never looked up as words
    for (let i = 2; i < vocabulary.length; i++) m.set(vocabulary[i], i);
    indexCache.set(vocabulary, m);
  }
  return m;
}

/** Encode into `out` at `offset` (sequenceLength ids); returns how many tokens were out of vocabulary. */
export function encodeTextInto(t: TextTransform, value: unknown, out: Float32Array, offset: number): number {
  const ids = indexOf(t.vocabulary);
  const tokens = tokenize(value, t);
  const len = t.sequenceLength;
  const used = Math.min(len, tokens.length);
  const pad = len - used;
  let oov = 0;
  for (let i = 0; i < pad; i++) out[offset + i] = 0;
  for (let i = 0; i < used; i++) {
    const id = ids.get(tokens[i]);
    if (id === undefined) oov++;
    out[offset + pad + i] = id ?? 1;
  }
  return oov;
}

/** Raw text → the model's input for one sample: [sequenceLength] token ids as floats. */
export function encodeText(transform: TextTransform, value: unknown): Float32Array {
  const out = new Float32Array(transform.sequenceLength);
  encodeTextInto(transform, value, out, 0);
  return out;
}

/** Text settings from the model file, defaulted here too (the validator fills them, but callers may not). */
export function textSettings(opts: Partial<TextSettings> | undefined): TextSettings {
  return { ...TEXT_DEFAULTS, ...Object.fromEntries(Object.entries(opts ?? {}).filter(([, v]) => v !== undefined)) };
}

/**
 * A .txt file's bytes as text. UTF-8 (a BOM is dropped); UTF-16 with a BOM; anything else is read
 * as Windows-1252 and `warn` is told, since a wrong guess would silently garble the words.
 */
export function decodeTextFile(buf: Uint8Array, file: string, warn: (message: string) => void): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    const bad = firstInvalidUtf8(buf);
    warn(`${file}: not valid UTF-8 (first bad byte at offset ${bad}); read as Windows-1252. Re-save the file as UTF-8 to be sure of its words.`);
    return new TextDecoder('windows-1252').decode(buf);
  }
}

function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if (i + k >= buf.length || (buf[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return buf.length;
}
