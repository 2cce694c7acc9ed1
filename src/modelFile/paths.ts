/**
 * Paths written in a model file resolve relative to the file and must stay inside the workspace:
 * a model file is shared and opened by others, and a path that escapes (`../../etc/passwd`, an absolute
 * path, a symlink pointing out) would make validation, training or serving read files it should not.
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { fileProblem, SpecError } from './problems';

/**
 * `relPath` resolved against `base` (the model file's folder), as an absolute path inside
 * `workspaceRoot`. Throws SpecError when it escapes, directly or through a symlink anywhere along the
 * path (the longest existing prefix is resolved with realpath; the rest cannot be a link yet).
 * The problem's path is `data.source`; callers that know the field's position replace file/line.
 */
export function resolveInWorkspace(base: string, relPath: string, workspaceRoot: string, field = 'data.source'): string {
  if (relPath.includes('\0')) throw escapeError(base, relPath, workspaceRoot, field, 'contains a NUL character');
  const resolved = path.resolve(base, relPath);
  const root = realpathOrSelf(path.resolve(workspaceRoot));
  const real = realOfLongestExistingPrefix(resolved);
  if (!isInside(root, real)) throw escapeError(base, relPath, workspaceRoot, field, whyOutside(relPath, resolved, root, workspaceRoot));
  return resolved;
}

/** The same check without blocking the thread (the editor validates on every keystroke). */
export async function resolveInWorkspaceAsync(base: string, relPath: string, workspaceRoot: string, field = 'data.source'): Promise<string> {
  if (relPath.includes('\0')) throw escapeError(base, relPath, workspaceRoot, field, 'contains a NUL character');
  const resolved = path.resolve(base, relPath);
  const root = await realpath(path.resolve(workspaceRoot)).catch(() => path.resolve(workspaceRoot));
  const real = await realOfLongestExistingPrefixAsync(resolved);
  if (!isInside(root, real)) throw escapeError(base, relPath, workspaceRoot, field, whyOutside(relPath, resolved, root, workspaceRoot));
  return resolved;
}

function whyOutside(relPath: string, resolved: string, realRoot: string, workspaceRoot: string): string {
  const lexicallyInside = isInside(path.resolve(workspaceRoot), resolved) || isInside(realRoot, resolved);
  return lexicallyInside ? 'leads outside the workspace through a symbolic link' : path.isAbsolute(relPath) ? 'is an absolute path outside the workspace' : 'points outside the workspace';
}

function escapeError(base: string, relPath: string, workspaceRoot: string, field: string, why: string): SpecError {
  return new SpecError([fileProblem(base, `\`${field}\` ${JSON.stringify(relPath)} ${why}; paths in a model file must stay inside the workspace (${workspaceRoot})`,
    { path: field, value: relPath })]);
}

/**
 * Why a file that the data leads to is outside the workspace, or undefined when it is inside: its real path
 * (every symlink along it resolved) must be under the workspace's real path. For the files data.source
 * leads to (class folders, image paths in a column): the check on data.source alone is lexical below it.
 */
export async function outsideWorkspace(file: string, workspaceRoot: string): Promise<string | undefined> {
  const resolved = path.resolve(file);
  const root = await realpath(path.resolve(workspaceRoot)).catch(() => path.resolve(workspaceRoot));
  const real = await realOfLongestExistingPrefixAsync(resolved);
  if (isInside(root, real)) return undefined;
  const viaLink = isInside(path.resolve(workspaceRoot), resolved) || isInside(root, resolved);
  return viaLink
    ? `is a symbolic link that leads outside the workspace (to ${real}); data may not leave the workspace (${workspaceRoot}): copy the file in instead`
    : `is outside the workspace (${workspaceRoot}); data may not leave it`;
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

function realpathOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * realpath of the longest prefix that exists, with the non-existing rest appended. A dangling
 * symlink counts as existing and is followed by hand (its target may be created later).
 */
function realOfLongestExistingPrefix(p: string, depth = 0): string {
  let head = p;
  const rest: string[] = [];
  while (!lexists(head)) {
    const parent = path.dirname(head);
    if (parent === head) return p;
    rest.unshift(path.basename(head));
    head = parent;
  }
  try {
    return path.join(realpathSync(head), ...rest);
  } catch {
    // A dangling link somewhere in `head`: follow its text (bounded, links can loop).
    if (depth > 20) return p;
    try {
      const target = path.resolve(path.dirname(head), readlinkSync(head));
      return realOfLongestExistingPrefix(path.join(target, ...rest), depth + 1);
    } catch {
      return path.join(realOfLongestExistingPrefix(path.dirname(head), depth + 1), path.basename(head), ...rest);
    }
  }
}

async function realOfLongestExistingPrefixAsync(p: string, depth = 0): Promise<string> {
  let head = p;
  const rest: string[] = [];
  while (!(await lstat(head).then(() => true, () => false))) {
    const parent = path.dirname(head);
    if (parent === head) return p;
    rest.unshift(path.basename(head));
    head = parent;
  }
  try {
    return path.join(await realpath(head), ...rest);
  } catch {
    if (depth > 20) return p;
    try {
      const target = path.resolve(path.dirname(head), await readlink(head));
      return await realOfLongestExistingPrefixAsync(path.join(target, ...rest), depth + 1);
    } catch {
      return path.join(await realOfLongestExistingPrefixAsync(path.dirname(head), depth + 1), path.basename(head), ...rest);
    }
  }
}

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The workspace root used when none is given: the nearest folder at or above the model file that
 * holds `.git` or `package.json` (a project), else the model file's own folder. The editor always
 * passes its workspace folder instead.
 */
export function findWorkspaceRoot(modelFile: string): string {
  const start = path.dirname(path.resolve(modelFile));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git')) || existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** findWorkspaceRoot without blocking the thread. */
export async function findWorkspaceRootAsync(modelFile: string): Promise<string> {
  const start = path.dirname(path.resolve(modelFile));
  const has = (p: string) => lstat(p).then(() => true, () => false);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if ((await has(path.join(dir, '.git'))) || (await has(path.join(dir, 'package.json')))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}
