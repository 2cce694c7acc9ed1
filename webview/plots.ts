/**
 * Static report charts as SVG: ROC / PR curves, predicted-vs-actual scatter and the residual
 * histogram. They are drawn once per report, so SVG is simpler than a canvas library, prints
 * crisply in screenshots, and takes its colours from CSS classes (var(--vscode-*)), so it follows
 * theme changes with no redraw. Hover a point or a curve for its values (<title>).
 */
import { svg } from './dom';
import { formatNumber } from './format';

const W = 360;
const H = 280;
const M = { left: 46, right: 12, top: 10, bottom: 38 };

export interface Domain { x: [number, number]; y: [number, number] }

/** About `count` round tick values across [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function frame(domain: Domain, xLabel: string, yLabel: string, testid: string) {
  const sx = (v: number) => M.left + ((v - domain.x[0]) / (domain.x[1] - domain.x[0] || 1)) * (W - M.left - M.right);
  const sy = (v: number) => H - M.bottom - ((v - domain.y[0]) / (domain.y[1] - domain.y[0] || 1)) * (H - M.top - M.bottom);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'plot', 'data-testid': testid, role: 'img', 'aria-label': `${yLabel} against ${xLabel}` });
  const grid = svg('g', { class: 'grid' });
  for (const t of ticks(domain.x[0], domain.x[1])) {
    grid.append(svg('line', { x1: sx(t), x2: sx(t), y1: M.top, y2: H - M.bottom }));
    root.append(svg('text', { x: sx(t), y: H - M.bottom + 14, class: 'tick', 'text-anchor': 'middle' }, formatNumber(t, 3)));
  }
  for (const t of ticks(domain.y[0], domain.y[1])) {
    grid.append(svg('line', { x1: M.left, x2: W - M.right, y1: sy(t), y2: sy(t) }));
    root.append(svg('text', { x: M.left - 5, y: sy(t) + 3.5, class: 'tick', 'text-anchor': 'end' }, formatNumber(t, 3)));
  }
  root.prepend(grid);
  root.append(svg('rect', { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom, class: 'axes' }));
  root.append(svg('text', { x: (M.left + W - M.right) / 2, y: H - 6, class: 'label', 'text-anchor': 'middle' }, xLabel));
  root.append(svg('text', { x: 12, y: (M.top + H - M.bottom) / 2, class: 'label', 'text-anchor': 'middle', transform: `rotate(-90 12 ${(M.top + H - M.bottom) / 2})` }, yLabel));
  return { root, sx, sy };
}

export interface Curve { label: string; x: number[]; y: number[]; score: number }

/** ROC or PR curves in the unit square; `diagonal` draws the chance line of ROC. */
export function curvesPlot(curves: Curve[], o: { xLabel: string; yLabel: string; diagonal?: boolean; scoreName: string; testid: string }): SVGSVGElement {
  const { root, sx, sy } = frame({ x: [0, 1], y: [0, 1] }, o.xLabel, o.yLabel, o.testid);
  if (o.diagonal) root.append(svg('line', { x1: sx(0), y1: sy(0), x2: sx(1), y2: sy(1), class: 'reference' }));
  curves.forEach((c, i) => {
    const d = c.x.map((x, j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(c.y[j]).toFixed(1)}`).join('');
    root.append(svg('path', { d, class: `curve s${i % 6}` }, svg('title', {}, `${c.label}: ${o.scoreName} ${formatNumber(c.score, 3)}`)));
  });
  return root;
}

/** Predicted vs actual with the identity line (a perfect model puts every point on it). */
export function scatterPlot(actual: number[], predicted: number[], testid: string): SVGSVGElement {
  const all = [...actual, ...predicted].filter(Number.isFinite);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.04;
  const domain: Domain = { x: [lo - pad, hi + pad], y: [lo - pad, hi + pad] };
  const { root, sx, sy } = frame(domain, 'actual', 'predicted', testid);
  root.append(svg('line', { x1: sx(domain.x[0]), y1: sy(domain.y[0]), x2: sx(domain.x[1]), y2: sy(domain.y[1]), class: 'reference' }));
  const g = svg('g', { class: 'points' });
  actual.forEach((a, i) => {
    const p = predicted[i];
    if (!Number.isFinite(a) || !Number.isFinite(p)) return;
    g.append(svg('circle', { cx: sx(a).toFixed(1), cy: sy(p).toFixed(1), r: 2.6 }, svg('title', {}, `actual ${formatNumber(a)} · predicted ${formatNumber(p)}`)));
  });
  root.append(g);
  return root;
}

/** Residual histogram (predicted − actual); the zero line marks an unbiased model. */
export function histogramPlot(edges: number[], counts: number[], testid: string): SVGSVGElement {
  const top = Math.max(1, ...counts);
  const domain: Domain = { x: [edges[0], edges[edges.length - 1]], y: [0, top * 1.05] };
  const { root, sx, sy } = frame(domain, 'residual (predicted − actual)', 'count', testid);
  const g = svg('g', { class: 'bars' });
  counts.forEach((c, i) => {
    const x0 = sx(edges[i]);
    const x1 = sx(edges[i + 1]);
    g.append(svg('rect', { x: x0 + 0.5, y: sy(c), width: Math.max(0.5, x1 - x0 - 1), height: sy(0) - sy(c) }, svg('title', {}, `[${formatNumber(edges[i])}, ${formatNumber(edges[i + 1])}): ${c}`)));
  });
  root.append(g);
  if (domain.x[0] < 0 && domain.x[1] > 0) root.append(svg('line', { x1: sx(0), x2: sx(0), y1: sy(0), y2: sy(domain.y[1]), class: 'reference' }));
  return root;
}
