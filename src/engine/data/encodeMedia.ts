/**
 * The encoder a served (or predicting) image or text model applies to raw instances: base64 images
 * (or file paths from the CLI) and texts, as the training pipeline encoded them.
 */
import * as path from 'node:path';
import { outsideWorkspace } from '../../modelFile/paths';
import { readDataFile } from '../../modelFile/peek';
import { displayPath } from './errors';
import { decodeImage, imageToUnit, scaleImage, type ImageTransform } from './image';
import { mapLimit, reason } from './images';
import { encodeTextInto } from './text';
import { DataError, type Preprocessing } from './types';

export interface EncodeMediaOptions {
  /** read image instances given as file paths (the CLI); paths resolve against this folder */
  baseDir?: string;
  /** with baseDir: image paths may not lead (through symlinks either) outside this folder */
  workspaceRoot?: string;
  /** decode an image to the model's input elsewhere (the server: on worker threads); default in-process */
  decodeImage?: (transform: ImageTransform, bytes: Uint8Array) => Promise<Float32Array>;
}

/**
 * Raw instances → model input for an image or text model, row-major [instances × inputShape].
 * An instance is the value itself or a record holding it under the feature's name. Images come
 * as base64 (plain, a data: URL, or TF Serving's {"b64": "…"}), or — with baseDir — a .png/.jpg
 * path; texts as strings. Problems are DataErrors naming the instance.
 */
export async function encodeMediaInputs(prep: Preprocessing, instances: readonly unknown[], opts: EncodeMediaOptions = {}): Promise<Float32Array> {
  const t = prep.features[0];
  if (prep.features.length !== 1 || (t.kind !== 'image' && t.kind !== 'text')) {
    throw new DataError(`this model takes ${prep.inputKind} input; encodeMediaInputs handles image and text models`, '');
  }
  const width = prep.inputShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(instances.length * width);
  await mapLimit(instances, 8, async (inst, i) => {
    const where = instances.length > 1 ? `instance ${i}: ` : '';
    let value: unknown = inst;
    if (inst !== null && typeof inst === 'object' && !Array.isArray(inst) && !('b64' in inst)) {
      const rec = inst as Record<string, unknown>;
      const unknownKeys = Object.keys(rec).filter((k) => k !== t.name && k !== prep.label.name);
      if (unknownKeys.length) throw new DataError(`${where}unknown field '${unknownKeys[0]}'; the model takes '${t.name}'`, '', undefined, unknownKeys[0]);
      value = rec[t.name];
    }
    try {
      if (t.kind === 'text') {
        if (value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
          throw new DataError(`'${t.name}' must be a string of text, got ${JSON.stringify(value)}`, '', undefined, t.name);
        }
        encodeTextInto(t, value ?? '', out, i * width);
      } else {
        const bytes = await imageBytes(t, value, opts);
        out.set(opts.decodeImage ? await opts.decodeImage(t, bytes) : scaleImage(imageToUnit(decodeImage(bytes), t.size, t.channels), t), i * width);
      }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new DataError(`${where}${msg}`, err instanceof DataError ? err.file : '', undefined, t.name);
    }
  });
  return out;
}

async function imageBytes(t: ImageTransform, value: unknown, opts: EncodeMediaOptions): Promise<Uint8Array> {
  let s: unknown = value;
  if (s !== null && typeof s === 'object' && 'b64' in s) s = (s as { b64: unknown }).b64;
  if (typeof s !== 'string' || s.length === 0) {
    throw new DataError(`'${t.name}' must be an image as a base64 string (or {"b64": "…"})${opts.baseDir ? ' or a file path' : ''}`, '', undefined, t.name);
  }
  if (opts.baseDir !== undefined && /\.(png|jpe?g)$/i.test(s.trim())) {
    const file = path.resolve(opts.baseDir, s.trim());
    const outside = opts.workspaceRoot !== undefined ? await outsideWorkspace(file, opts.workspaceRoot) : undefined;
    if (outside) throw new DataError(`${JSON.stringify(s.trim())} ${outside}`, file, undefined, t.name);
    try {
      return await readDataFile(file);
    } catch (err) {
      throw new DataError(`${displayPath(file)}: ${reason(err)}`, file, undefined, t.name);
    }
  }
  const b64 = s.replace(/^data:[^;,]*;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new DataError(`'${t.name}' is not valid base64`, '', undefined, t.name);
  return Buffer.from(b64, 'base64');
}
