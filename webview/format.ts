/** Number and time formatting for the dashboard (pure; tested in Node). */

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A metric value with 4 significant digits; very small or large ones in exponent form. */
export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(2);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return String(+v.toPrecision(digits));
}

export function formatPercent(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return `${(v * 100).toFixed(digits)}%`;
}

export function formatRate(v: number): string {
  if (!Number.isFinite(v) || v <= 0) return '–';
  return v >= 1000 ? `${(v / 1000).toFixed(1)}k/s` : `${v.toFixed(v < 10 ? 1 : 0)}/s`;
}

/** Metrics whose value is a fraction read better as a percentage. */
export function isFraction(key: string): boolean {
  return /^(accuracy|acc|macro|weighted|precision|recall|f1|auc|ap)/i.test(key.replace(/^val_/, ''));
}
