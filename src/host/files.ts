/** Async file helpers for the extension host (it never blocks on sync I/O). */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** Writes so that readers see the old content or the new, never a part: temp file, fsync, rename. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const handle = await fsp.open(tmp, 'w');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
}

export async function readJsonFile(file: string): Promise<unknown> {
  return JSON.parse(await fsp.readFile(file, 'utf8')) as unknown;
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}
