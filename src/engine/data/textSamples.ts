/** Text samples: token ids encoded once (they are small), batches copy rows out. */
import type { ModelSpecFile } from '../../modelFile/schema';
import { randomAccessSplit, type Fill } from './batches';
import { encodeTextInto, textSettings, type TextSettings, type TextTransform } from './text';
import type { RawRecord, SplitData } from './types';

export function textSettingsOf(spec: ModelSpecFile): TextSettings {
  return textSettings(spec.data.text as Partial<TextSettings> | undefined);
}

/** A split of texts: encoded once (token ids are small), batches copy rows out. */
export function textSplit(texts: readonly string[], y: Float32Array, t: TextTransform, raw?: (indices: readonly number[]) => Promise<RawRecord[]>): SplitData {
  const len = t.sequenceLength;
  const x = new Float32Array(texts.length * len);
  texts.forEach((s, i) => encodeTextInto(t, s, x, i * len));
  const fill: Fill = async (indices, bx, by) => {
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      bx.set(x.subarray(i * len, (i + 1) * len), k * len);
      by[k] = y[i];
    }
  };
  return randomAccessSplit(texts.length, [len], fill, raw);
}

/** Share of tokens outside the vocabulary, for a warning when the vocabulary is too small. */
export function oovShare(t: TextTransform, texts: readonly string[]): number {
  const scratch = new Float32Array(t.sequenceLength);
  let oov = 0;
  let total = 0;
  for (const s of texts) {
    oov += encodeTextInto(t, s, scratch, 0);
    total += Math.min(t.sequenceLength, scratch.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0));
  }
  return total ? oov / total : 0;
}

