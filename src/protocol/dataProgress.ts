/** How reading progress (the engine's dataProgress message) is worded: the CLI's train and inspect, and the dashboard. */

export interface ReadProgressLike {
  pass: number;
  passes: number;
  rows: number;
  bytes: number;
  totalBytes: number;
}

/** How far through the file the current pass is, 0–100. */
export function readPercent(p: ReadProgressLike): number {
  return p.totalBytes > 0 ? Math.min(100, Math.floor((100 * p.bytes) / p.totalBytes)) : 100;
}

/** `pass 1/2`, or `fitting` (the third pass) */
export function readPassText(p: ReadProgressLike): string {
  return p.pass === 3 ? 'fitting' : `pass ${p.pass}/${p.passes}`;
}

/** `pass 1/2: 1,234,567 rows · 120 / 950 MB (13%)` */
export function readProgressText(p: ReadProgressLike): string {
  const mb = (b: number) => (b / 1048576).toFixed(b < 10 * 1048576 ? 1 : 0);
  const pct = readPercent(p);
  const what = readPassText(p);
  return `${what}: ${p.rows.toLocaleString('en-US')} rows · ${mb(p.bytes)} / ${mb(p.totalBytes)} MB (${pct}%)`;
}
