/**
 * Data problems name the file, the row as a spreadsheet shows it (header = row 1; for JSON and JSONL
 * the line) and the column: `FILE:ROW: column 'c': what`.
 */
import * as path from 'node:path';
import { DataError } from './types';

/** A path as people read it in messages: relative to the working folder when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** A DataError whose message reads on its own: `FILE:ROW: column 'c': what`. */
export function dataError(file: string, what: string, row?: number, column?: string): DataError {
  const where = row === undefined ? displayPath(file) : `${displayPath(file)}:${row}`;
  const col = column === undefined ? '' : `column '${column}': `;
  return new DataError(`${where}: ${col}${what}`, file, row, column);
}

/** Thrown when a Stop request arrives while data is being read; the caller ends the run as stopped. */
export class StoppedError extends Error {
  constructor() {
    super('stopped on request while reading the data');
    this.name = 'StoppedError';
  }
}

export function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StoppedError();
}
