/**
 * Distinct counts in bounded memory: a HyperLogLog estimate (4,096 registers, about 1.6% standard error)
 * once a column has too many values to count exactly (columnStats.ts). Used for type inference ("mostly distinct values") and `inspect`'s
 * distinct column; the fitted preprocessing never depends on an estimate.
 */

const P = 12;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a string (FNV-1a over UTF-16 code units, then a finaliser). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix(h);
}

/** 32-bit hash of a number's float64 bits (-0 and 0 are one value). */
export function hashNumber(x: number): number {
  f64[0] = x === 0 ? 0 : x;
  return fmix(Math.imul(u32[0] ^ 0x9e3779b9, 0x01000193) ^ fmix(u32[1] + 0x7f4a7c15));
}

export class HyperLogLog {
  private readonly registers = new Uint8Array(M);

  add(hash: number): void {
    const index = hash >>> (32 - P);
    const rest = (hash << P) >>> 0;
    const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
    if (rank > this.registers[index]) this.registers[index] = rank;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      sum += 2 ** -this.registers[i];
      if (this.registers[i] === 0) zeros++;
    }
    const raw = (ALPHA * M * M) / sum;
    if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(raw);
  }
}
