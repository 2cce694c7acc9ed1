/**
 * A saved model folder: model.json + weights.bin (TF.js layers format, loadable by stock
 * tf.loadLayersModel) + preprocessing.json. Saving fills a temp folder and renames it over the old
 * one, so a crash mid-save never leaves a half model where a good one was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import type { BackendName } from '../modelFile/schema';
import type { Preprocessing } from './data/types';
import { replaceDirAtomic, writeDurable } from './fsutil';
import { withoutInitializerWarnings } from './tfWarnings';

type Tf = typeof tfTypes;

export const MODEL_FILES = ['model.json', 'weights.bin', 'preprocessing.json'] as const;

export interface LoadedModel {
  model: tfTypes.LayersModel;
  preprocessing: Preprocessing;
  tf: Tf;
  /** the folder it was loaded from */
  dir: string;
}

function joinWeights(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  return out;
}

/** Save `model` with its preprocessing into `dir`, replacing what was there atomically. */
export async function saveModelDir(model: tfTypes.LayersModel, preprocessing: Preprocessing, dir: string): Promise<string[]> {
  let artifacts: tfTypes.io.ModelArtifacts | null = null;
  // A custom IO handler (what tf.io.withSaveHandler builds): TF.js hands us the artifacts.
  await model.save({
    save: async (a: tfTypes.io.ModelArtifacts) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  const a = artifacts as tfTypes.io.ModelArtifacts | null;
  if (!a) throw new Error('TF.js did not hand over the model artifacts');
  const weights = joinWeights(a.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
  const modelJson = {
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
  };
  replaceDirAtomic(dir, (tmp) => {
    writeDurable(path.join(tmp, 'weights.bin'), weights);
    writeDurable(path.join(tmp, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
    writeDurable(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
  });
  return MODEL_FILES.map((f) => path.join(dir, f));
}

const complete = (dir: string) => MODEL_FILES.every((f) => fs.existsSync(path.join(dir, f)));

/**
 * Where the saved model really is: `dir` itself, a run folder's `model/` or its best checkpoint, or
 * (after a crash in the instant between two renames) the previous copy beside it.
 */
export function resolveModelDir(dir: string): string {
  const candidates = [dir, path.join(dir, 'model'), path.join(dir, 'checkpoints', 'best')];
  for (const c of candidates) if (complete(c)) return c;
  for (const c of candidates) {
    const parent = path.dirname(c);
    if (!fs.existsSync(parent)) continue;
    const base = path.basename(c);
    const aside = fs.readdirSync(parent).filter((n) => n.startsWith(`${base}.old-`)).sort().reverse();
    for (const n of aside) if (complete(path.join(parent, n))) return path.join(parent, n);
  }
  throw new Error(`${dir}: no saved model here (expected ${MODEL_FILES.join(', ')} in it, in model/ or in checkpoints/best/)`);
}

/** A saved model folder that cannot be loaded: the message names the file and what is wrong with it. */
export class SavedModelError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'SavedModelError';
  }
}

const AGAIN = 'retrain, or copy the whole model folder again';

/**
 * The weight files a model.json names, as absolute paths inside the model folder. Each must be a plain
 * file name (no folder, no `..`, not absolute) of a regular file whose real path (symlinks resolved) is in
 * the folder: an edited model.json could otherwise make serve, export, evaluate or predict read or copy
 * any file (`"paths": ["../../../outside/weights-outside.bin"]` was served and exported).
 * Throws an Error naming the model.json and the entry.
 */
export function modelWeightFiles(modelDir: string, manifest: unknown): string[] {
  const modelFile = path.join(modelDir, 'model.json');
  if (!Array.isArray(manifest)) throw new Error(`${modelFile}: 'weightsManifest' must be a list of {paths, weights}`);
  let realDir: string;
  try {
    realDir = fs.realpathSync(modelDir);
  } catch {
    realDir = path.resolve(modelDir);
  }
  const out: string[] = [];
  manifest.forEach((group: unknown, g) => {
    const paths = group !== null && typeof group === 'object' ? (group as { paths?: unknown }).paths : undefined;
    if (!Array.isArray(paths)) throw new Error(`${modelFile}: weightsManifest[${g}].paths must be a list of file names`);
    paths.forEach((p: unknown, i) => {
      const field = `weightsManifest[${g}].paths[${i}]`;
      if (typeof p !== 'string' || p === '' || p === '.' || p === '..' || p.includes('\0') || /[\\/]/.test(p) || path.isAbsolute(p)) {
        throw new Error(`${modelFile}: ${field} is ${JSON.stringify(p)}, but a weight file must be a plain file name inside the model folder (like "weights.bin"), with no folder or ".." in it`);
      }
      const file = path.join(modelDir, p);
      let real: string;
      try {
        real = fs.realpathSync(file);
      } catch {
        out.push(file); // missing: the reader says so, naming the file
        return;
      }
      const rel = path.relative(realDir, real);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
        throw new Error(`${modelFile}: ${field} ${JSON.stringify(p)} is a symbolic link that leads outside the model folder (to ${real}); copy the weight file into the folder`);
      }
      if (!fs.statSync(real).isFile()) throw new Error(`${modelFile}: ${field} ${JSON.stringify(p)} is not a regular file`);
      out.push(file);
    });
  });
  return out;
}

type ModelJson = {
  modelTopology: object; format?: string; generatedBy?: string; convertedBy?: string | null;
  weightsManifest: Array<{ paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }>;
};

/** A JSON file of the model folder, parsed; a clear error naming it when it is missing or broken. */
function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SavedModelError(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${AGAIN}`, file);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new SavedModelError(`${file} is not valid JSON (${(err as Error).message}${text.length === 0 ? '; the file is empty' : ''}): the model folder is damaged; ${AGAIN}`, file);
  }
}

const BYTES_PER = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 } as Record<string, number>;

/** The bytes weights.bin must hold for this manifest, or null when it cannot tell (quantised or string weights). */
function expectedWeightBytes(weights: tfTypes.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const w of weights) {
    const per = BYTES_PER[w.dtype];
    if (w.quantization || !per) return null;
    total += (w.shape ?? []).reduce((a, b) => a * b, 1) * per;
  }
  return total;
}

/** Load a saved model with stock tf.loadLayersModel through a file IO handler. */
export async function loadSavedModel(dir: string, opts: { tf?: Tf; backend?: BackendName } = {}): Promise<LoadedModel> {
  const where = resolveModelDir(dir);
  const modelFile = path.join(where, 'model.json');
  const prepFile = path.join(where, 'preprocessing.json');
  const parsed = readJson(modelFile) as Partial<ModelJson> | null;
  if (!parsed || typeof parsed !== 'object' || typeof parsed.modelTopology !== 'object' || parsed.modelTopology === null || !Array.isArray(parsed.weightsManifest)) {
    throw new SavedModelError(`${modelFile} is not a TF.js layers model (it needs 'modelTopology' and 'weightsManifest'); ${AGAIN}`, modelFile);
  }
  const modelJson = parsed as ModelJson;
  const preprocessing = readJson(prepFile) as Preprocessing;
  if (!preprocessing || typeof preprocessing !== 'object' || preprocessing.format !== 'model-studio-preprocessing') {
    throw new SavedModelError(`${prepFile}: not a Model Studio preprocessing file (format is ${JSON.stringify(preprocessing?.format)}); ${AGAIN}`, prepFile);
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights ?? []);
  let weightFiles: string[];
  try {
    weightFiles = modelWeightFiles(where, modelJson.weightsManifest);
  } catch (err) {
    throw new SavedModelError(`${(err as Error).message}; ${AGAIN}`, modelFile);
  }
  const buffers = weightFiles.map((f) => {
    try {
      return fs.readFileSync(f);
    } catch (err) {
      throw new SavedModelError(`${f} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}), and ${modelFile} lists it; ${AGAIN}`, f);
    }
  });
  const all = Buffer.concat(buffers);
  const expected = expectedWeightBytes(weightSpecs);
  const weightsName = weightFiles.length === 1 ? weightFiles[0] : `the weight files (${weightFiles.join(', ')})`;
  if (expected !== null && all.byteLength !== expected) {
    throw new SavedModelError(
      `${weightsName} ${weightFiles.length === 1 ? 'is' : 'are'} ${all.byteLength} bytes but ${modelFile} needs ${expected} ` +
      `(${all.byteLength < expected ? 'truncated' : 'too long'}, or from another model); ${AGAIN}`, weightFiles[0] ?? modelFile);
  }
  let tf = opts.tf;
  if (!tf) {
    const { selectBackend } = await import('./backends');
    tf = (await selectBackend(opts.backend ?? 'auto')).tf;
  }
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  let model: tfTypes.LayersModel;
  const quiet = withoutInitializerWarnings();
  try {
    model = await tf.loadLayersModel({
      load: async () => ({
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy ?? undefined,
        weightSpecs,
        weightData,
      }),
    });
  } catch (err) {
    throw new SavedModelError(`${modelFile}: TF.js cannot load this model (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); ${AGAIN}`, modelFile);
  } finally {
    quiet.restore();
  }
  return { model, preprocessing, tf, dir: where };
}
