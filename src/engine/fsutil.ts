/** Durable file writes (STYLE.md 7): temp file, fsync, rename; folders swapped whole. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const tmpName = (target: string) => `${target}.tmp-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch {
    // some filesystems do not allow fsync on a directory; the rename is still atomic
  }
}

/** Write a file so that readers see the old content or the new, never a part. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tmpName(file);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Fill a new folder with `fill(tmpDir)` (each file fsynced), then put it where `dir` was. The old
 * folder is moved aside first and removed after, so a crash leaves either the old or the new one
 * (or, for an instant, the old one under `<dir>.old-*`).
 */
export function replaceDirAtomic(dir: string, fill: (tmpDir: string) => void): void {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = tmpName(dir);
  fs.mkdirSync(tmp);
  try {
    fill(tmp);
    fsyncDir(tmp);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  let old: string | null = null;
  if (fs.existsSync(dir)) {
    // Only ever swap out a folder that holds nothing but the kind of files we are about to write (an
    // older copy of the same thing). Anything else means the path points at someone's folder (a
    // project, the workspace): refuse rather than delete it.
    const ours = new Set(fs.readdirSync(tmp));
    const foreign = fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).filter((f) => !ours.has(f)) : [path.basename(dir)];
    if (foreign.length > 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(`refusing to replace ${dir}: it holds other files (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); choose an empty or new folder`);
    }
    old = `${dir}.old-${process.pid}-${Date.now().toString(36)}`;
    fs.renameSync(dir, old);
  }
  fs.renameSync(tmp, dir);
  fsyncDir(parent);
  if (old) fs.rmSync(old, { recursive: true, force: true });
}

/** Write one file inside a folder being filled, fsynced. */
export function writeDurable(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
