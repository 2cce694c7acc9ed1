/**
 * Reads a saved model folder (TF.js layers format: model.json + weight files, plus the fitted
 * preprocessing.json) without tfjs-node: the weights are read from disk and handed to
 * `tf.loadLayersModel` through an in-memory IOHandler.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import type { Preprocessing } from '../engine/data/types';
import { modelWeightFiles } from '../engine/saved';
import { withoutInitializerWarnings } from '../engine/tfWarnings';
import { isRecord } from '../protocol/engine';
import type { Tf } from './tf';

export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

interface WeightsGroup {
  paths: string[];
  weights: tfTypes.io.WeightsManifestEntry[];
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ModelFolderError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}. A model folder holds model.json, weights.bin and preprocessing.json.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ModelFolderError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** preprocessing.json, checked enough that the server can trust its shape. */
export async function readPreprocessing(modelDir: string): Promise<Preprocessing> {
  const file = path.join(modelDir, 'preprocessing.json');
  const raw = await readJson(file);
  if (!isRecord(raw) || raw.format !== 'model-studio-preprocessing') {
    throw new ModelFolderError(`${file}: 'format' must be "model-studio-preprocessing"`);
  }
  if (!Array.isArray(raw.inputShape) || !raw.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ModelFolderError(`${file}: 'inputShape' must be an array of positive integers`);
  }
  if (!Array.isArray(raw.features)) throw new ModelFolderError(`${file}: 'features' must be an array`);
  if (raw.task !== 'classification' && raw.task !== 'regression') throw new ModelFolderError(`${file}: 'task' must be classification or regression`);
  if (!isRecord(raw.label) || typeof raw.label.name !== 'string') throw new ModelFolderError(`${file}: 'label.name' must be a string`);
  if (raw.task === 'classification' && !Array.isArray(raw.label.classes)) throw new ModelFolderError(`${file}: a classification model needs 'label.classes'`);
  return raw as unknown as Preprocessing;
}

/** model.json + weights → a LayersModel on the current backend. */
export async function readLayersModel(tf: Tf, modelDir: string): Promise<tfTypes.LayersModel> {
  const file = path.join(modelDir, 'model.json');
  const json = await readJson(file);
  if (!isRecord(json) || !isRecord(json.modelTopology) || !Array.isArray(json.weightsManifest)) {
    throw new ModelFolderError(`${file}: not a TF.js layers model (needs 'modelTopology' and 'weightsManifest')`);
  }
  const groups = json.weightsManifest as WeightsGroup[];
  let files: string[];
  try {
    files = modelWeightFiles(modelDir, groups);
  } catch (err) {
    throw new ModelFolderError((err as Error).message);
  }
  const weightSpecs: tfTypes.io.WeightsManifestEntry[] = groups.flatMap((g) => g.weights ?? []);
  const buffers: Buffer[] = [];
  for (const wfile of files) {
    try {
      buffers.push(await readFile(wfile));
    } catch (err) {
      throw new ModelFolderError(`cannot read weights ${wfile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const handler: tfTypes.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology as object,
      weightSpecs,
      weightData,
      format: typeof json.format === 'string' ? json.format : undefined,
      generatedBy: typeof json.generatedBy === 'string' ? json.generatedBy : undefined,
      convertedBy: typeof json.convertedBy === 'string' ? json.convertedBy : null,
    }),
  };
  const quiet = withoutInitializerWarnings();
  try {
    return await tf.loadLayersModel(handler);
  } catch (err) {
    throw new ModelFolderError(`cannot load the model in ${modelDir}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    quiet.restore();
  }
}
