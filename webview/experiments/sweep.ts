/**
 * The sweep dashboard: the trials table filling as trials run (the best marked ★), the best-so-far
 * curve, a parallel-coordinates plot of parameters → objective, every trial's curve of the sweep metric,
 * and Stop Sweep / Resume Sweep / Open Best Run / Write Best Values Into the Model File.
 */
import type { ExperimentsAction, FromExperiments, SweepTrialView, SweepView } from '../../src/protocol/experiments';
import { clear, h, svg, text } from '../dom';
import { formatNumber } from '../format';
import { palette, withAlpha, type Palette } from '../theme';
import { button, setDisabled, setHidden, spinner } from '../ui';
import { bestSoFar, paramLabel, parallelAxes } from './model';
import { OverlayChart, runColour } from './widgets';

const STATUS_LABEL: Record<string, string> = { stoppedEarly: 'stopped early', interrupted: 'interrupted', pending: 'pending' };

function paramText(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export class SweepViewUi {
  private readonly title = h('h1', { 'data-testid': 'sweep-title' });
  private readonly sub = h('span', { class: 'muted run-id' });
  private readonly status = h('span', { class: 'status', 'data-testid': 'sweep-status' });
  private readonly spin = spinner();
  private readonly stats = h('div', { class: 'stats' });
  private readonly stat: Record<string, HTMLElement> = {};
  private readonly buttons: Partial<Record<ExperimentsAction, HTMLElement>> = {};
  private readonly errorBox = h('div', { class: 'notice error', hidden: true, 'data-testid': 'sweep-error' });
  private readonly table = h('table', { class: 'grid-table trials-table', 'data-testid': 'trials-table' });
  private readonly bestChart = new OverlayChart('best-so-far', 'trial');
  private readonly curves = new OverlayChart('trial-curves', 'epoch');
  private readonly pc = h('div', { class: 'pc-wrap', 'data-testid': 'parallel-coordinates' });
  private palette: Palette = palette();
  private theme = 0;
  private data: SweepView | undefined;
  private pcWidth = 0;
  private readonly busy = new Set<ExperimentsAction>();

  constructor(root: HTMLElement, private readonly post: (m: FromExperiments) => void) {
    new ResizeObserver(() => {
      if (this.data && Math.abs(this.pc.clientWidth - this.pcWidth) > 40) this.renderParallel(this.data);
    }).observe(this.pc);
    const b = (action: ExperimentsAction, label: string, appearance: 'primary' | 'secondary', title: string) => {
      this.buttons[action] = button(label, { appearance, testid: `btn-${action}`, title, onClick: () => {
        this.setBusy(action, true);
        post({ type: 'action', action });
      } });
      return this.buttons[action];
    };
    for (const [k, label] of [['trials', 'trials'], ['running', 'running'], ['method', 'method'], ['metric', 'objective'], ['best', 'best']] as const) {
      this.stat[k] = h('span', { class: 'stat-value', 'data-testid': `sweep-stat-${k}` });
      this.stats.append(h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label), this.stat[k]));
    }
    root.append(
      h('header', { class: 'header' },
        h('div', { class: 'title-row' },
          h('div', { class: 'title' }, this.title, this.sub, h('span', { class: 'status-wrap' }, this.spin, this.status)),
          h('div', { class: 'actions' },
            b('stopSweep', 'Stop Sweep', 'secondary', 'Stop every running trial at its next batch; Resume Sweep continues later'),
            b('resumeSweep', 'Resume Sweep', 'primary', 'Continue the interrupted trials and run the rest'),
            b('openBest', 'Open Best Run', 'secondary', "Open the best trial's dashboard"),
            b('writeBest', 'Write Best Values Into the Model File', 'primary', "Put the best trial's parameter values into the model file (one edit: Undo takes it back)"),
          )),
        this.stats),
      this.errorBox,
      h('section', { class: 'section' }, h('h2', {}, 'Trials'), h('div', { class: 'scroll' }, this.table)),
      h('section', { class: 'section' }, h('h2', {}, 'Progress'), h('div', { class: 'charts' }, this.bestChart.element, this.curves.element)),
      h('section', { class: 'section' }, h('h2', {}, 'Parameters → objective'), h('p', { class: 'muted small' }, 'One line per finished trial through its parameter values to its objective (the better end at the top); the best trial is drawn bold. Hover a line for its values.'), this.pc),
    );
  }

  setBusy(action: ExperimentsAction, busy: boolean): void {
    if (busy) this.busy.add(action);
    else this.busy.delete(action);
    if (this.data) this.render(this.data);
  }

  themeChanged(): void {
    this.palette = palette();
    this.theme++;
    if (this.data) this.render(this.data);
  }

  render(v: SweepView): void {
    this.data = v;
    const done = v.trials.filter((t) => t.status === 'completed' || t.status === 'stoppedEarly' || t.status === 'failed').length;
    const running = v.trials.filter((t) => t.status === 'running').length;
    text(this.title, `Sweep of ${v.model}`);
    text(this.sub, v.sweepId);
    text(this.status, v.status);
    this.status.className = `status ${v.status === 'running' ? 'running' : v.status === 'completed' ? 'completed' : v.status === 'failed' ? 'failed' : 'stopped'}`;
    setHidden(this.spin, v.status !== 'running');
    text(this.stat.trials, `${done} / ${v.trialCount}`);
    this.stat.trials.dataset.done = String(done);
    text(this.stat.running, `${running} (≤ ${v.parallel})`);
    text(this.stat.method, `${v.method}${v.earlyTermination ? ` · ${v.earlyTermination}` : ''}`);
    text(this.stat.metric, `${v.goal} ${v.metric}`);
    const bestTrial = v.best ? v.trials.find((t) => t.index === v.best?.trial) : undefined;
    text(this.stat.best, v.best ? `${formatNumber(v.best.objective)} (trial ${v.best.trial})` : '–');
    this.stat.best.dataset.trial = v.best ? String(v.best.trial) : '';
    const live = v.live && v.status === 'running';
    setHidden(this.buttons.stopSweep as HTMLElement, !live);
    setHidden(this.buttons.resumeSweep as HTMLElement, live || v.status === 'completed' || v.status === 'running');
    for (const a of ['openBest', 'writeBest'] as const) setDisabled(this.buttons[a] as HTMLElement, !bestTrial || this.busy.has(a));
    setDisabled(this.buttons.stopSweep as HTMLElement, this.busy.has('stopSweep'));
    setDisabled(this.buttons.resumeSweep as HTMLElement, this.busy.has('resumeSweep'));
    this.errorBox.hidden = !v.error;
    text(this.errorBox, v.error ?? '');
    this.renderTable(v);
    this.renderCharts(v);
    this.renderParallel(v);
  }

  private renderTable(v: SweepView): void {
    clear(this.table);
    const params = v.parameters.map((p) => p.path);
    this.table.append(h('thead', {}, h('tr', {}, h('th', {}, 'trial'), h('th', {}, 'status'), h('th', { class: 'num' }, 'epochs'), h('th', { class: 'num' }, v.metric), ...params.map((p) => h('th', { title: p }, paramLabel(p))))));
    const body = h('tbody');
    const trials = [...v.trials].sort((a, b) => a.index - b.index);
    for (const t of trials) {
      const best = v.best?.trial === t.index;
      const link = h('a', { href: '#', title: `Open the dashboard of ${t.runDir}` }, String(t.index));
      link.addEventListener('click', (e) => {
        e.preventDefault();
        this.post({ type: 'openRun', runDir: t.runDir });
      });
      const note = t.error ?? t.stopReason;
      body.append(h('tr', { 'data-testid': 'trial-row', 'data-trial': t.index, 'data-status': t.status, class: best ? 'best-row' : '', ...(best ? { 'data-best': 'true' } : {}) },
        h('td', {}, link, best ? h('span', { class: 'best-mark', title: 'best trial' }, ' ★') : null),
        h('td', { class: `status-cell ${t.status}`, title: note ?? '' }, STATUS_LABEL[t.status] ?? t.status, note ? h('span', { class: 'muted small-note' }, ` — ${note.split('\n')[0].slice(0, 80)}`) : null),
        h('td', { class: 'num' }, t.epochsCompleted !== undefined ? String(t.epochsCompleted) : '–'),
        h('td', { class: `num${best ? ' best' : ''}`, 'data-testid': 'trial-objective' }, t.objective === null ? (t.curve.length ? `${formatNumber(this.bestOfCurve(t, v))}…` : '–') : formatNumber(t.objective)),
        ...params.map((p) => h('td', { class: 'mono' }, paramText(t.params[p]))),
      ));
    }
    if (trials.length === 0) body.append(h('tr', {}, h('td', { colspan: 4 + params.length, class: 'muted' }, 'No trial has started yet.')));
    this.table.append(body);
  }

  private bestOfCurve(t: SweepTrialView, v: SweepView): number {
    const values = t.curve.map(([, y]) => y);
    return v.goal === 'maximize' ? Math.max(...values) : Math.min(...values);
  }

  private renderCharts(v: SweepView): void {
    const p = this.palette;
    const b = bestSoFar(v);
    this.bestChart.update(`best ${v.metric} so far`, b.x, [
      { label: v.metric, colour: p.train, values: b.objective, width: 0, points: true },
      { label: 'best so far', colour: p.val, values: b.best, width: 2 },
    ], p, this.theme, { stepped: [1] });
    const trials = [...v.trials].filter((t) => t.curve.length > 0).sort((a, c) => a.index - c.index);
    const epochs = [...new Set(trials.flatMap((t) => t.curve.map(([e]) => e)))].sort((a, c) => a - c);
    const series = trials.map((t) => {
      const byEpoch = new Map(t.curve);
      const best = v.best?.trial === t.index;
      return {
        label: `trial ${t.index}${best ? ' ★' : ''}`,
        colour: runColour(p, t.index),
        values: epochs.map((e) => byEpoch.get(e) ?? null),
        width: best ? 3 : 1.4,
        ...(t.status === 'stoppedEarly' || t.status === 'failed' ? { dash: [4, 3] } : {}),
      };
    });
    this.curves.update(`${v.metric} per epoch, each trial`, epochs, series, p, this.theme);
  }

  private renderParallel(v: SweepView): void {
    clear(this.pc);
    const axes = parallelAxes(v);
    const finished = v.trials.filter((t) => t.objective !== null && (t.status === 'completed' || t.status === 'stoppedEarly'));
    if (finished.length === 0) {
      this.pc.append(h('p', { class: 'muted' }, 'Lines appear as trials finish.'));
      return;
    }
    // drawn at the size it is shown (text stays its own size): the width of the section
    const W = Math.max(360, this.pc.clientWidth || 900);
    this.pcWidth = W;
    const H = 280;
    const top = 30;
    const bottom = 16;
    const left = 70;
    const right = 70;
    const xAt = (i: number) => left + ((W - left - right) * i) / Math.max(1, axes.length - 1);
    const yAt = (pos: number) => top + (1 - pos) * (H - top - bottom);
    const plot = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'plot pc', 'data-lines': finished.length });
    const objectives = finished.map((t) => t.objective as number);
    const lo = Math.min(...objectives);
    const hi = Math.max(...objectives);
    const good = this.palette.series[2] ?? this.palette.train;
    const bad = this.palette.series[4] ?? this.palette.val;
    const lines = svg('g', { class: 'lines' });
    const sorted = [...finished].sort((a, b) => (v.best?.trial === a.index ? 1 : v.best?.trial === b.index ? -1 : 0));
    for (const t of sorted) {
      const pts: string[] = [];
      axes.forEach((a, i) => {
        const value = i === axes.length - 1 ? t.objective : t.params[v.parameters[i].path];
        const pos = a.position(value);
        if (pos !== undefined) pts.push(`${xAt(i).toFixed(1)},${yAt(pos).toFixed(1)}`);
      });
      const frac = hi === lo ? 1 : ((t.objective as number) - lo) / (hi - lo);
      const quality = v.goal === 'maximize' ? frac : 1 - frac;
      const best = v.best?.trial === t.index;
      const line = svg('polyline', { points: pts.join(' '), fill: 'none', stroke: best ? this.palette.fg : `color-mix(in srgb, ${good} ${Math.round(quality * 100)}%, ${bad})`, 'stroke-width': best ? 3.5 : 1.6, 'stroke-opacity': best ? 1 : 0.75, 'data-trial': t.index, class: best ? 'best' : '' },
        svg('title', {}, `trial ${t.index}: ${v.metric} ${formatNumber(t.objective)}\n${Object.entries(t.params).map(([k, x]) => `${k} = ${paramText(x)}`).join('\n')}`));
      lines.append(line);
    }
    plot.append(lines);
    axes.forEach((a, i) => {
      const x = xAt(i);
      const g = svg('g', { class: 'axis' }, svg('line', { x1: x, x2: x, y1: top, y2: H - bottom, stroke: withAlpha(this.palette.fg, 0.5) }));
      g.append(svg('text', { x, y: 14, 'text-anchor': 'middle', class: 'axis-label' }, a.label));
      for (const tick of a.ticks) g.append(svg('text', { x: x - 5, y: yAt(tick.at) + 3, 'text-anchor': 'end' }, tick.label));
      plot.append(g);
    });
    this.pc.append(plot);
  }
}
