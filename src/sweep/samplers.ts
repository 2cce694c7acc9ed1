/**
 * The parameters of trial k of a sweep. Every draw comes from a generator seeded by (sweep seed, k),
 * so the same file and seed give the same sequence on every machine, and a resumed sweep samples a
 * trial exactly as the interrupted one did.
 *
 * - grid: the k-th combination, the last parameter varying fastest (as itertools.product).
 * - random: each parameter independently: a list uniformly, a range uniformly (in log space for
 *   `scale: log`), integers for integer fields, snapped to `step`.
 * - bayes: a univariate Tree-structured Parzen Estimator (Bergstra et al., 2011; as Optuna's default):
 *   the finished trials are split into the best quarter ("good") and the rest; per parameter, candidates
 *   drawn from the good trials' Parzen density are scored by l(x)/g(x) and the best is taken. The first
 *   trials (`startupTrials`) are random. Which finished trials it learns from is the runner's choice
 *   (trials 0 … k−parallel, so the order trials finish in does not change the sequence).
 */
import { createRng, type Rng } from '../engine/data/split';
import { gridValues, type SweepParam, type SweepPlan } from '../modelFile/sweepCheck';

/** Parameter values of one trial, keyed by the path as the file writes it. */
export type TrialParams = Record<string, unknown>;

/** A finished trial, as the bayes sampler learns from it. */
export interface Observation { params: TrialParams; objective: number }

/** A 32-bit seed for trial `index` of a sweep seeded `seed` (splitmix-style mixing: nearby seeds diverge). */
export function trialSeed(seed: number, index: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** How many combinations a grid has (Infinity for a range without `step`). */
export function gridSize(plan: Pick<SweepPlan, 'parameters'>): number {
  return plan.parameters.reduce((n, p) => n * gridValues(p).length, 1);
}

/** The k-th grid combination (k < gridSize). */
export function gridParams(plan: Pick<SweepPlan, 'parameters'>, index: number): TrialParams {
  const lists = plan.parameters.map(gridValues);
  const out: TrialParams = {};
  let rest = index;
  for (let i = lists.length - 1; i >= 0; i--) {
    const list = lists[i];
    out[plan.parameters[i].path] = structuredClone(list[rest % list.length]);
    rest = Math.floor(rest / list.length);
  }
  // keep the file's order of keys
  return Object.fromEntries(plan.parameters.map((p) => [p.path, out[p.path]]));
}

/** A value of a range parameter from a uniform draw u in [0, 1). */
function fromUnit(p: Extract<SweepParam, { kind: 'range' }>, u: number): number {
  const lo = p.log ? Math.log(p.min) : p.min;
  const hi = p.log ? Math.log(p.max) : p.max;
  if (p.integer && !p.log && p.step === undefined) return p.min + Math.min(p.max - p.min, Math.floor(u * (p.max - p.min + 1)));
  const x = lo + u * (hi - lo);
  return snap(p, p.log ? Math.exp(x) : x);
}

/** A number inside the range, on its step, an integer for integer fields, without float noise. */
function snap(p: Extract<SweepParam, { kind: 'range' }>, v: number): number {
  let x = Math.min(p.max, Math.max(p.min, v));
  if (p.step !== undefined) x = p.min + Math.round((x - p.min) / p.step) * p.step;
  if (p.integer) x = Math.round(x);
  x = Math.min(p.max, Math.max(p.min, x));
  return p.integer ? x : Number(x.toPrecision(6));
}

function randomValue(p: SweepParam, rng: Rng): unknown {
  if (p.kind === 'choice') return structuredClone(p.values[rng.int(p.values.length)]);
  return fromUnit(p, rng.next());
}

/** Trial `index` of a random sweep. */
export function randomParams(plan: Pick<SweepPlan, 'parameters' | 'seed'>, index: number): TrialParams {
  const rng = createRng(trialSeed(plan.seed, index));
  return Object.fromEntries(plan.parameters.map((p) => [p.path, randomValue(p, rng)]));
}

/** Random trials before the bayes sampler has enough finished trials to learn from. */
export function startupTrials(plan: Pick<SweepPlan, 'trials' | 'parallel'>): number {
  return Math.max(plan.parallel, Math.min(10, Math.ceil(plan.trials / 3)), 2);
}

/** The parameters of trial `index`; `history` is what bayes may learn from (ignored by grid and random). */
export function sampleParams(plan: SweepPlan, index: number, history: readonly Observation[] = []): TrialParams {
  if (plan.method === 'grid') return gridParams(plan, index);
  if (plan.method === 'random' || index < startupTrials(plan)) return randomParams(plan, index);
  const usable = history.filter((o) => Number.isFinite(o.objective));
  if (usable.length < 2) return randomParams(plan, index);
  return tpeParams(plan, index, usable);
}

// ---------------------------------------------------------------- TPE

const CANDIDATES = 24;

function tpeParams(plan: SweepPlan, index: number, history: readonly Observation[]): TrialParams {
  const rng = createRng(trialSeed(plan.seed, index) ^ 0x5bd1e995);
  const sorted = [...history].sort((a, b) => (plan.goal === 'maximize' ? b.objective - a.objective : a.objective - b.objective));
  const nGood = Math.min(25, Math.max(1, Math.ceil(0.25 * sorted.length)));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const out: TrialParams = {};
  for (const p of plan.parameters) {
    out[p.path] = p.kind === 'choice'
      ? tpeChoice(p, good.map((o) => o.params[p.path]), bad.map((o) => o.params[p.path]), rng)
      : tpeRange(p, good.map((o) => o.params[p.path]), bad.map((o) => o.params[p.path]), rng);
  }
  return out;
}

function tpeChoice(p: Extract<SweepParam, { kind: 'choice' }>, good: unknown[], bad: unknown[], rng: Rng): unknown {
  const keys = p.values.map((v) => JSON.stringify(v));
  const density = (seen: unknown[]) => {
    const counts = keys.map(() => 1); // one pseudo-count each: nothing is ever impossible
    for (const v of seen) {
      const i = keys.indexOf(JSON.stringify(v));
      if (i >= 0) counts[i] += 1;
    }
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => c / total);
  };
  const l = density(good);
  const g = density(bad);
  let best = 0;
  let bestScore = -Infinity;
  for (let c = 0; c < CANDIDATES; c++) {
    const i = pick(l, rng);
    const score = Math.log(l[i]) - Math.log(g[i]);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return structuredClone(p.values[best]);
}

function pick(weights: readonly number[], rng: Rng): number {
  let u = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

interface Parzen { mus: number[]; sigmas: number[]; lo: number; hi: number }

/** Gaussians on the observations plus one wide prior, each as wide as the gap to its neighbours (Bergstra's rule). */
function parzen(xs: number[], lo: number, hi: number): Parzen {
  const span = hi - lo;
  const mus = [...xs, (lo + hi) / 2].sort((a, b) => a - b);
  const minSigma = span / Math.min(100, mus.length + 1);
  const sigmas = mus.map((m, i) => {
    const left = i === 0 ? m - lo : m - mus[i - 1];
    const right = i === mus.length - 1 ? hi - m : mus[i + 1] - m;
    return Math.min(span, Math.max(minSigma, left, right));
  });
  // the prior (the middle of the range) is as wide as the range
  const prior = mus.indexOf((lo + hi) / 2);
  if (prior >= 0) sigmas[prior] = span;
  return { mus, sigmas, lo, hi };
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7)
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const cdf = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

function logDensity(q: Parzen, x: number): number {
  let sum = 0;
  for (let i = 0; i < q.mus.length; i++) {
    const m = q.mus[i];
    const s = q.sigmas[i];
    const mass = Math.max(1e-12, cdf((q.hi - m) / s) - cdf((q.lo - m) / s));
    const z = (x - m) / s;
    sum += Math.exp(-0.5 * z * z) / (s * Math.sqrt(2 * Math.PI) * mass);
  }
  return Math.log(Math.max(1e-300, sum / q.mus.length));
}

function drawFrom(q: Parzen, rng: Rng): number {
  const i = rng.int(q.mus.length);
  for (let tries = 0; tries < 32; tries++) {
    const x = q.mus[i] + q.sigmas[i] * rng.normal();
    if (x >= q.lo && x <= q.hi) return x;
  }
  return q.lo + rng.next() * (q.hi - q.lo);
}

function tpeRange(p: Extract<SweepParam, { kind: 'range' }>, good: unknown[], bad: unknown[], rng: Rng): number {
  const to = (v: number) => (p.log ? Math.log(v) : v);
  // integers are spread over [min − ½, max + ½] so the end values are as likely as the others
  const pad = p.integer && !p.log ? 0.5 : 0;
  const lo = to(p.min) - pad;
  const hi = to(p.max) + pad;
  const nums = (vs: unknown[]) => vs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).map(to);
  const l = parzen(nums(good), lo, hi);
  const g = parzen(nums(bad), lo, hi);
  let best = drawFrom(l, rng);
  let bestScore = -Infinity;
  for (let c = 0; c < CANDIDATES; c++) {
    const x = drawFrom(l, rng);
    const score = logDensity(l, x) - logDensity(g, x);
    if (score > bestScore) {
      bestScore = score;
      best = x;
    }
  }
  const v = p.log ? Math.exp(best) : best;
  return snap(p, v);
}
