/** "Did you mean …?": the closest known name to what was written, when one is close enough. */

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions (`epcohs` → `epochs` is 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}

/** Lower case without separators, so `batch_size`, `Batch-Size` and `batchSize` compare equal. */
const normalise = (s: string): string => s.toLowerCase().replace(/[\s_-]+/g, '');

/**
 * The best candidate for `written`, or undefined when none is close: same name up to case and
 * separators (Keras' `Conv2D`, snake_case `learning_rate`), else the smallest edit distance within
 * about a third of the name's length.
 */
export function didYouMean(written: string, candidates: readonly string[]): string | undefined {
  const w = normalise(written);
  if (w === '') return undefined;
  const exact = candidates.find((c) => normalise(c) === w);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const distance = editDistance(w, normalise(c));
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(w.length, 3) / 3));
  if (bestDistance <= limit) return best;
  // A shared stem (`category` → `categorical`, `learning` → `learningRate`) counts when it is most of what was written.
  let stem: string | undefined;
  let stemLength = Math.max(4, Math.ceil(0.75 * w.length)) - 1;
  for (const c of candidates) {
    const n = commonPrefix(w, normalise(c));
    if (n > stemLength) {
      stem = c;
      stemLength = n;
    }
  }
  return stem;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** `; did you mean \`x\`?` or '' (to append to a message). */
export function suggestion(written: unknown, candidates: readonly string[]): string {
  if (typeof written !== 'string') return '';
  const s = didYouMean(written, candidates);
  return s === undefined ? '' : `; did you mean \`${s}\`?`;
}
