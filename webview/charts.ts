/**
 * Live training charts on uPlot. Each update hands uPlot the decimated columns (a few thousand
 * points at most, whatever the run's length); uPlot re-renders that in well under a millisecond, so
 * 10 updates/s stay smooth at 100k batches. The chart is only rebuilt when its series, the log
 * scale or the theme change. Drag to zoom (the zoomed range is decimated anew), double-click resets.
 */
import uPlot from 'uplot';
import type { ChartData } from './state';
import { h, text } from './dom';
import { formatNumber } from './format';
import type { Palette } from './theme';

export interface ChartOptions {
  palette: Palette;
  logScale: boolean;
  hidden: Record<string, boolean>;
  onToggle: (key: string) => void;
  /** asks for fresh data when the person zooms (or un-zooms: undefined) */
  onZoom: () => void;
}

const HEIGHT = 200;

/** Markers help on a few epochs and clutter a hundred. */
const markers = (values: Array<number | null>) => values.reduce<number>((n, v) => n + (v === null ? 0 : 1), 0) <= 60;

export class LiveChart {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly titleEl: HTMLElement;
  private plot: uPlot | undefined;
  private signature = '';
  private zoom: [number, number] | undefined;
  private settingData = false;

  constructor(readonly key: string, extraControls?: HTMLElement) {
    this.titleEl = h('h3', { class: 'chart-title' });
    this.body = h('div', { class: 'chart-body' });
    this.element = h('div', { class: 'chart', 'data-testid': `chart-${key}`, 'data-points': 0 }, h('div', { class: 'chart-head' }, this.titleEl, extraControls ?? null), this.body);
    new ResizeObserver(() => this.resize()).observe(this.body);
  }

  /** the x range the person zoomed to, for decimating just that range */
  get range(): [number, number] | undefined {
    return this.zoom;
  }

  update(data: ChartData, o: ChartOptions, theme: number): void {
    text(this.titleEl, data.title);
    this.element.dataset.points = String(data.points);
    this.element.dataset.drawn = String(data.x.length);
    const dense = data.series.some((s) => s.role !== 'batch' && !markers(s.values));
    const signature = [theme, o.logScale, !!data.logY, dense, data.series.map((s) => s.label).join('|')].join('/');
    const columns: uPlot.AlignedData = [data.x, ...data.series.map((s) => (o.logScale && data.key === 'loss' ? s.values.map((v) => (v !== null && v > 0 ? v : null)) : s.values))];
    if (!this.plot || signature !== this.signature) {
      this.plot?.destroy();
      this.signature = signature;
      this.zoom = undefined;
      this.plot = new uPlot(this.options(data, o), columns, this.body);
      return;
    }
    this.settingData = true;
    this.plot.setData(columns, this.zoom === undefined);
    this.settingData = false;
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }

  private resize(): void {
    const width = Math.max(200, this.body.clientWidth);
    if (this.plot && Math.abs(this.plot.width - width) > 1) this.plot.setSize({ width, height: HEIGHT });
  }

  private options(data: ChartData, o: ChartOptions): uPlot.Options {
    const p = o.palette;
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: p.muted,
      font: p.font,
      labelFont: p.font,
      grid: { stroke: p.grid, width: 1 },
      ticks: { stroke: p.grid, width: 1 },
      size: 44,
      labelSize: 18,
    });
    const colour = (role: string, i: number) => (role === 'batch' ? p.batch : role === 'train' ? p.train : role === 'val' ? p.val : p.series[(i + 2) % p.series.length]);
    const logY = (o.logScale && data.key === 'loss') || !!data.logY;
    return {
      width: Math.max(200, this.body.clientWidth || 400),
      height: HEIGHT,
      scales: { x: { time: false }, y: logY ? { distr: 3 } : { auto: true } },
      axes: [axis(data.xLabel), { ...axis(''), values: (_u, ticks) => ticks.map((t) => formatNumber(t, 3)) }],
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
      legend: { live: true },
      series: [
        { label: data.xLabel, value: (_u, v) => (v === null ? '–' : formatNumber(v)) },
        ...data.series.map((s, i): uPlot.Series => ({
          label: s.label,
          stroke: colour(s.role, i),
          width: s.role === 'batch' ? 1 : p.highContrast ? 2.5 : 2,
          spanGaps: true,
          // A learning rate changes in steps at epoch boundaries: draw it as steps, not ramps.
          paths: data.key === 'lr' ? uPlot.paths.stepped?.({ align: 1 }) : undefined,
          show: !o.hidden[`${data.key}/${s.label}`],
          points: { show: s.role !== 'batch' && markers(s.values), size: 4, fill: colour(s.role, i) },
          value: (_u, v) => (v === null ? '–' : formatNumber(v)),
        })),
      ],
      hooks: {
        setSeries: [(_u, i, opts) => {
          if (i !== null && i > 0 && opts.show !== undefined) o.onToggle(`${data.key}/${data.series[i - 1].label}`);
        }],
        setScale: [(u, scale) => {
          if (scale !== 'x' || this.settingData) return;
          const { min, max } = u.scales.x;
          const xs = u.data[0];
          const full = xs.length === 0 || min === undefined || max === undefined || (min <= xs[0] && max >= xs[xs.length - 1]);
          const next: [number, number] | undefined = full || min === undefined || max === undefined ? undefined : [min, max];
          if (next?.[0] !== this.zoom?.[0] || next?.[1] !== this.zoom?.[1]) {
            this.zoom = next;
            queueMicrotask(o.onZoom);
          }
        }],
      },
    };
  }
}
