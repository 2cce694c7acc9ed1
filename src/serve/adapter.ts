/**
 * The seam between the server and the data pipeline: one instance → encoded row (the pipeline's
 * own encoders, so a served model sees exactly what training saw), model output → prediction
 * (the engine's decoding, so answers equal `model-studio predict`). Problems become RequestErrors
 * that name the instance.
 */
import { encodeMediaInputs, type EncodeMediaOptions } from '../engine/data/encodeMedia';
import { encodeRecordInto as encodeTabular } from '../engine/data/preprocess';
import { DataError, type Preprocessing, type RawRecord } from '../engine/data/types';
import type { Prediction } from '../engine/predict';
import { RequestError } from './errors';

export { RequestError };

export type { Prediction };


/** Number of floats in one encoded sample. */
export function encodedWidth(prep: Preprocessing): number {
  return prep.inputShape.reduce((a, b) => a * b, 1);
}

function asRequestError(err: unknown, where: string): unknown {
  if (err instanceof DataError || err instanceof RangeError || (err instanceof Error && err.name === 'ImageError')) {
    return new RequestError(`${where}: ${err.message}`);
  }
  return err;
}

/** Encode one raw record (or an array of raw values in feature order) of a tabular model into `out` at `offset`. */
export function encodeRecordInto(prep: Preprocessing, record: RawRecord | unknown[], out: Float32Array, offset: number, where: string, decimalComma = false): void {
  try {
    encodeTabular(prep, record, out, offset, undefined, decimalComma);
  } catch (err) {
    throw asRequestError(err, where);
  }
}

/** Decodes an image to the model's input (the server's pool of decoding threads). */
export type ImageDecoder = NonNullable<EncodeMediaOptions['decodeImage']>;

/** One instance of an image or text model (raw text, base64 / {"b64"} image, or a record holding it). */
export async function encodeMedia(prep: Preprocessing, instance: unknown, where: string, decodeImage?: ImageDecoder): Promise<Float32Array> {
  try {
    return await encodeMediaInputs(prep, [instance], { decodeImage });
  } catch (err) {
    throw asRequestError(err, where);
  }
}

/**
 * Response shapes. TF Serving answers with the signature's outputs: one output (regression's
 * `value`) gives a bare number per row; several (classification's `label`, `probabilities`,
 * `classes`) give an object per row whose fields are the outputs, probabilities as floats in
 * `classes` order (DT_FLOAT [-1, k], as the metadata says). Columnar requests get columnar answers
 * (`{"outputs": {"label": [...], ...}}`, or a bare array for regression). MLflow answers
 * `{"predictions": [...]}`: a number per row for regression (what MLflow gives for a series), and
 * for classification the engine's prediction object (label, probabilities by class, classes), as
 * `model-studio predict --json` prints it.
 */
export type TfRow = number | { label: string; probabilities: number[]; classes: string[] };

export function tfRow(p: Prediction): TfRow {
  if ('value' in p) return p.value;
  return { label: p.label, probabilities: p.classes.map((c) => p.probabilities[c]), classes: p.classes };
}

export function tfColumns(predictions: Prediction[]): number[] | { label: string[]; probabilities: number[][]; classes: string[][] } {
  const rows = predictions.map(tfRow);
  if (rows.every((r): r is number => typeof r === 'number')) return rows;
  const objects = rows as Exclude<TfRow, number>[];
  return { label: objects.map((r) => r.label), probabilities: objects.map((r) => r.probabilities), classes: objects.map((r) => r.classes) };
}

export function mlflowRow(p: Prediction): number | Prediction {
  return 'value' in p ? p.value : p;
}

/** Model output for n samples → predictions: the engine's own decoder, so served and CLI predictions agree. */
export { decodeOutputs } from '../engine/predict';
