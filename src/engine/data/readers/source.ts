/**
 * Where a table's bytes come from: a regular file read in pieces (never whole), or bytes already in
 * memory (a request body, a test). Readers of every format take a ByteSource, so each format is
 * read one way whatever the bytes came from.
 */
import { promises as fs } from 'node:fs';
import { NotDataFileError, openDataFile, statData } from '../../../modelFile/peek';
import { dataError } from '../errors';

export interface ByteSource {
  /** absolute path of the file, or the name given to in-memory bytes; messages name it */
  readonly file: string;
  readonly size: number;
  /** size and modification time for cache keys (files only) */
  readonly stat?: { size: number; mtimeMs: number; ino: number; dev: number };
  /** up to `length` bytes from `position` (fewer only at the end) */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A regular file opened for reading. Folders, FIFOs, devices and sockets are refused (they may never end). */
export async function openFileSource(file: string, what = 'data file'): Promise<ByteSource> {
  let handle: fs.FileHandle;
  try {
    const st = await statData(file);
    if (st.isDirectory()) throw dataError(file, `is a folder, not a ${what}`);
    handle = await openDataFile(file);
  } catch (err) {
    throw fileError(file, err);
  }
  const st = await handle.stat();
  return {
    file,
    size: st.size,
    stat: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev },
    async read(position, length) {
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, st.size - position)));
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await handle.read(buf, got, buf.length - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === buf.length ? buf : buf.subarray(0, got);
    },
    close: () => handle.close(),
  };
}

/** In-memory bytes (or text, stored as UTF-8) under a name used in messages. */
export function memorySource(content: Uint8Array | string, file: string): ByteSource {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return {
    file,
    size: bytes.length,
    async read(position, length) {
      return bytes.subarray(position, Math.min(bytes.length, position + length));
    },
    async close() { /* nothing to release */ },
  };
}

/** A file system error as a DataError a person can act on (or the DataError itself). */
export function fileError(file: string, err: unknown): Error {
  if (err instanceof Error && err.name === 'DataError') return err;
  if (err instanceof NotDataFileError) return dataError(file, err.reason);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return dataError(file, 'file not found; check data.source (paths are relative to the model file)');
  if (code === 'EACCES' || code === 'EPERM') return dataError(file, 'permission denied while reading the file');
  if (code === 'EISDIR') return dataError(file, 'is a folder, not a data file');
  return dataError(file, `cannot read the file: ${(err as Error).message}`);
}
