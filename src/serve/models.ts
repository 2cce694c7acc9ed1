/**
 * The versions a server holds. Preprocessing is read for every version at start (cheap, and it
 * catches broken folders early); a version's model loads on its first request, then stays.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { Preprocessing } from '../engine/data/types';
import { firstNonFiniteRow, nonFiniteOutput, predictEncoded } from '../engine/predict';
import type { ServedVersionInfo } from '../protocol/serve';
import { decodeOutputs, encodedWidth, RequestError, type Prediction } from './adapter';
import { Batcher, type BatcherOptions, type BatcherStats } from './batcher';
import type { EncodedBatch } from './instances';
import { readLayersModel, readPreprocessing } from './loader';
import type { Tf } from './tf';

export class ServedVersion {
  private loaded: Promise<{ model: tfTypes.LayersModel; batcher: Batcher }> | null = null;

  constructor(
    readonly info: ServedVersionInfo,
    readonly prep: Preprocessing,
    private readonly tf: Tf,
    private readonly batchOptions: BatcherOptions,
  ) {}

  get version(): number {
    return this.info.version;
  }

  /** Loads the model now (the default version is warmed at start so the first request is fast). */
  load(): Promise<{ model: tfTypes.LayersModel; batcher: Batcher }> {
    if (!this.loaded) {
      this.loaded = (async () => {
        const model = await readLayersModel(this.tf, this.info.dir);
        const loaded = { model, tf: this.tf, preprocessing: this.prep };
        const predict = (x: Float32Array, n: number): Promise<Float32Array> => predictEncoded(loaded, x, n);
        return { model, batcher: new Batcher(encodedWidth(this.prep), predict, this.batchOptions) };
      })();
      // A failed load is retried on the next request rather than cached forever.
      this.loaded.catch(() => { this.loaded = null; });
    }
    return this.loaded;
  }

  /** `label` names the request's list in messages ("instances", "inputs"). */
  async predict(batch: EncodedBatch, label = 'instances'): Promise<Prediction[]> {
    const { batcher } = await this.load();
    const y = await batcher.run(batch.x, batch.n);
    // Never answer null probabilities: a row whose output is not a number is the client's 400 (or a broken model's).
    const bad = firstNonFiniteRow(y, batch.n);
    if (bad >= 0) throw new RequestError(`${label}[${bad}]: ${nonFiniteOutput(this.prep, batch.x, bad).message}`);
    return decodeOutputs(this.prep, y, batch.n);
  }

  async stats(): Promise<BatcherStats | null> {
    return this.loaded ? { ...(await this.loaded).batcher.stats } : null;
  }
}

export async function loadVersions(infos: ServedVersionInfo[], tf: Tf, batchOptions: BatcherOptions): Promise<ServedVersion[]> {
  return Promise.all(infos.map(async (info) => new ServedVersion(info, await readPreprocessing(info.dir), tf, batchOptions)));
}
