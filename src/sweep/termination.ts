/**
 * Early termination of hopeless trials, from the sweep metric at the end of each epoch. A trial's value
 * at epoch e is its best value up to e (a noisy epoch does not decide its fate).
 *
 * - asha (asynchronous successive halving; Li et al., 2018, as Ray Tune's and Optuna's pruners): rungs at
 *   minEpochs·η^k epochs (below train.epochs). A trial reaching a rung continues only when it is among the
 *   best ⌊n/η⌋ (at least 1) of the n trials that have reached that rung so far; otherwise it stops.
 * - median (Google Vizier's median stopping rule): from minEpochs on, a trial stops when its value is
 *   worse than the median of the other trials' values at the same epoch, once minTrials others have one.
 *
 * Decisions are asynchronous: a trial is compared with the trials that reached the same epoch before it.
 */
import type { SweepPlan } from '../modelFile/sweepCheck';
import type { SweepGoal } from '../modelFile/sweepSchema';

export interface StopDecision { stop: boolean; reason?: string }

export class EarlyTermination {
  /** best-so-far value per trial, per epoch (1-based) */
  private readonly curves = new Map<number, number[]>();
  /** values recorded at each asha rung */
  private readonly rungValues = new Map<number, number[]>();
  private readonly rungs: number[] = [];

  constructor(private readonly rule: NonNullable<SweepPlan['earlyTermination']>, private readonly goal: SweepGoal, epochs: number) {
    if (rule.type === 'asha') {
      for (let r = rule.minEpochs; r < epochs; r *= rule.reductionFactor) this.rungs.push(r);
    }
  }

  /** the epochs at which asha decides (empty for median) */
  get rungEpochs(): readonly number[] {
    return this.rungs;
  }

  private better(a: number, b: number): boolean {
    return this.goal === 'maximize' ? a > b : a < b;
  }

  /** the best-so-far value of a trial at an epoch */
  valueAt(trial: number, epoch: number): number | undefined {
    const v = this.curves.get(trial)?.[epoch - 1];
    return v === undefined || !Number.isFinite(v) ? undefined : v;
  }

  /**
   * A trial finished `epoch` with `value` of the metric (epochs arrive in order; a missing or NaN value
   * keeps the best so far). Says whether the trial should stop now.
   */
  report(trial: number, epoch: number, value: number | undefined): StopDecision {
    const curve = this.curves.get(trial) ?? [];
    this.curves.set(trial, curve);
    if (epoch <= curve.length) return { stop: false }; // seen already (a re-read of the same lines)
    const previous = curve.length ? curve[curve.length - 1] : NaN;
    while (curve.length < epoch - 1) curve.push(previous);
    const v = value !== undefined && Number.isFinite(value) ? value : NaN;
    curve.push(Number.isNaN(previous) ? v : Number.isNaN(v) ? previous : this.better(v, previous) ? v : previous);
    const now = curve[epoch - 1];
    if (!Number.isFinite(now)) return { stop: false };
    return this.rule.type === 'asha' ? this.asha(epoch, now) : this.median(trial, epoch, now);
  }

  private asha(epoch: number, value: number): StopDecision {
    const rung = this.rungs.indexOf(epoch);
    if (rung < 0 || this.rule.type !== 'asha') return { stop: false };
    const values = this.rungValues.get(rung) ?? [];
    values.push(value);
    this.rungValues.set(rung, values);
    const keep = Math.max(1, Math.floor(values.length / this.rule.reductionFactor));
    const ranked = [...values].sort((a, b) => (this.better(a, b) ? -1 : this.better(b, a) ? 1 : 0));
    const cutoff = ranked[keep - 1];
    if (!this.better(cutoff, value)) return { stop: false };
    return { stop: true, reason: `asha: at epoch ${epoch} (rung ${rung + 1}) its value ${fmt(value)} is not in the best ${keep} of ${values.length} (cut-off ${fmt(cutoff)})` };
  }

  private median(trial: number, epoch: number, value: number): StopDecision {
    if (this.rule.type !== 'median' || epoch < this.rule.minEpochs) return { stop: false };
    const others: number[] = [];
    for (const [t, curve] of this.curves) {
      if (t === trial || curve.length < epoch) continue;
      const v = curve[epoch - 1];
      if (Number.isFinite(v)) others.push(v);
    }
    if (others.length < this.rule.minTrials) return { stop: false };
    others.sort((a, b) => a - b);
    const mid = others.length / 2;
    const median = others.length % 2 ? others[Math.floor(mid)] : (others[mid - 1] + others[mid]) / 2;
    if (!this.better(median, value)) return { stop: false };
    return { stop: true, reason: `median: at epoch ${epoch} its value ${fmt(value)} is worse than the median ${fmt(median)} of ${others.length} other trials` };
  }
}

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4))));
