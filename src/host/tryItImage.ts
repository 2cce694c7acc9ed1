/**
 * Images for the dashboard's Try it: read from a path the webview sent (untrusted: it must resolve, links
 * and all, to a regular file inside a workspace folder) or that the person picked in the host's file
 * dialog, and checked when they come back as a data: URL. Only PNG and JPEG, at most MAX_IMAGE_BYTES.
 * No `vscode`.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../modelFile/paths';

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export interface LoadedImage { name: string; dataUrl: string; bytes: number }

/** The image's type from its first bytes (never from the name), or undefined. */
export function imageMime(bytes: Uint8Array): 'image/png' | 'image/jpeg' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 && bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

/** Reads an image file the person chose (the host's own dialog): a PNG or JPEG, within the size limit. */
export async function readImageFile(file: string): Promise<LoadedImage> {
  const stat = await fsp.stat(file).catch(() => undefined);
  if (!stat) throw new Error(`${file} does not exist`);
  if (!stat.isFile()) throw new Error(`${file} is not a file`);
  if (stat.size > MAX_IMAGE_BYTES) throw new Error(`${path.basename(file)} is ${mb(stat.size)}; images for Try it are at most ${mb(MAX_IMAGE_BYTES)}`);
  const bytes = await fsp.readFile(file);
  const mime = imageMime(bytes);
  if (!mime) throw new Error(`${path.basename(file)} is not a PNG or JPEG image`);
  return { name: path.basename(file), dataUrl: `data:${mime};base64,${bytes.toString('base64')}`, bytes: bytes.length };
}

/**
 * Reads the image at a path the webview sent (typed, or dropped from the Explorer): relative paths are
 * taken from the first workspace folder where they exist; the real path (symlinks resolved) must be inside
 * a workspace folder.
 */
export async function readWorkspaceImage(given: string, workspaceFolders: readonly string[]): Promise<LoadedImage> {
  const raw = given.trim().replace(/^file:\/\//, '');
  if (!raw || raw.includes('\0') || raw.length > 4096) throw new Error('not a file path');
  if (workspaceFolders.length === 0) throw new Error('open a folder first: Try it reads images from the workspace (or pick one with "Choose Image…")');
  const candidates = path.isAbsolute(raw) ? [raw] : workspaceFolders.map((f) => path.resolve(f, raw));
  let real: string | undefined;
  for (const c of candidates) {
    real = await fsp.realpath(c).catch(() => undefined);
    if (real) break;
  }
  if (!real) throw new Error(`${raw} does not exist${path.isAbsolute(raw) ? '' : ' in the workspace'}`);
  const roots = await Promise.all(workspaceFolders.map((f) => fsp.realpath(f).catch(() => path.resolve(f))));
  if (!roots.some((root) => isInside(root, real))) throw new Error(`${raw} is outside the workspace; drop or type an image inside it, or use "Choose Image…"`);
  return readImageFile(real);
}

/**
 * Checks an image the webview sends back for a prediction: a PNG or JPEG data: URL within the size limit
 * (the webview got it from the host or read a dropped file itself). Returns it unchanged.
 */
export function checkImageDataUrl(value: unknown, field: string): string {
  if (typeof value === 'string' && value.length > (MAX_IMAGE_BYTES / 3) * 4 + 64) throw new Error(`'${field}': images for Try it are at most ${mb(MAX_IMAGE_BYTES)}`);
  const m = typeof value === 'string' ? /^data:(image\/(?:png|jpeg));base64,([A-Za-z0-9+/]*={0,2})$/.exec(value) : null;
  if (!m) throw new Error(`'${field}': choose or drop a PNG or JPEG image first`);
  if ((m[2].length * 3) / 4 > MAX_IMAGE_BYTES) throw new Error(`'${field}': images for Try it are at most ${mb(MAX_IMAGE_BYTES)}`);
  if (imageMime(Buffer.from(m[2].slice(0, 16), 'base64')) === undefined) throw new Error(`'${field}' is not a PNG or JPEG image`);
  return value as string;
}
