/**
 * A text file read as UTF-8 in chunks that end at a line break (so no character is cut), checked as
 * it goes: the first bytes say whether it is text at all (binary, gzip, zip, PNG, UTF-16 are named),
 * and every later chunk is checked for NUL bytes and invalid UTF-8 — a chunk that has either is marked
 * `dirty`, and the format's reader finds the row and the column that hold them. Never one string.
 */
import { isUtf8 } from 'node:buffer';
import { textProblem } from '../../../modelFile/peek';
import { dataError } from '../errors';
import { throwIfStopped } from '../errors';
import type { ByteSource } from './source';

export interface TextChunk {
  text: string;
  /** true when these bytes hold a NUL or invalid UTF-8 (decoded as U+0000 / U+FFFD) */
  dirty: boolean;
  /** bytes of the file read so far (for progress) */
  bytesRead: number;
  /** true for the last chunk */
  last: boolean;
}

export interface ChunkOptions {
  /** bytes per read (default 1 MiB) */
  chunkBytes?: number;
  /** a line longer than this is an error (default 64 MiB): a quote that never closes, or not a text file */
  maxLineBytes?: number;
  signal?: AbortSignal;
  /** start here instead of at the beginning (after a BOM check) */
  start?: number;
}

const SNIFF_BYTES = 64 * 1024;

/**
 * Checks on the start of a text file (modelFile/peek.ts `textProblem`, the same words validation uses):
 * empty, UTF-16/32, a known binary format (gzip, zip, PNG, Parquet, …), NUL bytes, mostly bytes that are
 * not text. A few invalid UTF-8 bytes in otherwise text pass here: the reader names their row and column.
 * Returns how many bytes of BOM to skip.
 */
export function checkTextHead(head: Uint8Array, file: string, size: number): number {
  if (size === 0) throw dataError(file, 'the file is empty (0 bytes); expected a header row and data rows');
  const problem = textProblem(head, { complete: head.length >= size });
  if (problem && !/not valid UTF-8/.test(problem.message)) throw dataError(file, problem.message, problem.line);
  return head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
}

/** The file's text in chunks ending after a '\n' (or at the end of the file). */
export async function* textChunks(src: ByteSource, opts: ChunkOptions = {}): AsyncGenerator<TextChunk> {
  const chunkBytes = opts.chunkBytes ?? 1 << 20;
  const maxLine = opts.maxLineBytes ?? 64 * 1024 * 1024;
  let position = opts.start;
  if (position === undefined) {
    const head = await src.read(0, SNIFF_BYTES);
    position = checkTextHead(head, src.file, src.size);
  }
  let pending: Uint8Array = new Uint8Array(0);
  for (;;) {
    throwIfStopped(opts.signal);
    const piece = position < src.size ? await src.read(position, chunkBytes) : new Uint8Array(0);
    position += piece.length;
    const atEnd = piece.length === 0 || position >= src.size;
    const bytes = pending.length === 0 ? piece : concat(pending, piece);
    let cut = atEnd ? bytes.length : bytes.lastIndexOf(10) + 1;
    if (cut === 0) {
      // no line break yet: keep reading, up to the longest line allowed
      if (bytes.length > maxLine) {
        throw dataError(src.file, `a line is longer than ${Math.round(maxLine / 1048576)} MB (no line break); is a quote left open, or is this not a text file?`);
      }
      pending = bytes;
      continue;
    }
    if (cut > bytes.length) cut = bytes.length;
    const body = bytes.subarray(0, cut);
    pending = cut < bytes.length ? bytes.slice(cut) : new Uint8Array(0);
    const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const dirty = buf.indexOf(0) >= 0 || !isUtf8(buf);
    yield { text: buf.toString('utf8'), dirty, bytesRead: position - pending.length, last: atEnd && pending.length === 0 };
    if (atEnd && pending.length === 0) return;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The message for a cell that holds bytes that are not UTF-8 text. */
export function badTextMessage(value: string): string | undefined {
  if (value.includes('\u0000')) return 'this value holds a NUL byte: the file is not plain text here (binary data, or a broken export)';
  if (value.includes('\uFFFD')) return 'the file is not valid UTF-8 here (perhaps Latin-1 or Windows-1252); save it as UTF-8';
  return undefined;
}
