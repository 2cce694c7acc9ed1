/**
 * The compare view: every metric's curves overlaid (one colour per run, the legend shows all runs at the
 * hovered epoch), the runs table (sortable, the best value of each metric marked), what changed between
 * two runs' resolved specs, and for classification the confusion matrices and per-class F1 side by side.
 */
import type { CompareData, CompareRun, FromExperiments } from '../../src/protocol/experiments';
import { clear, h, text } from '../dom';
import { formatNumber } from '../format';
import { confusionMatrix } from '../report';
import { palette, type Palette } from '../theme';
import { curveMetrics, overlay } from './model';
import { OverlayChart, RunTableView, runColour, swatch, type TableState } from './widgets';

export interface CompareUiState { table: TableState; diff: [number, number]; onlyChangedSpec: boolean; hidden: string[] }

export const initialCompareState = (): CompareUiState => ({ table: { filter: '', onlyChanged: true, selected: [] }, diff: [0, 1], onlyChangedSpec: true, hidden: [] });

export class CompareView {
  private readonly title = h('h1', { 'data-testid': 'compare-title' });
  private readonly legend = h('div', { class: 'run-legend', 'data-testid': 'run-legend' });
  private readonly charts = h('div', { class: 'charts', 'data-testid': 'compare-charts' });
  private readonly chartMap = new Map<string, OverlayChart>();
  private readonly table: RunTableView;
  private readonly diffBox = h('div', { class: 'card', 'data-testid': 'spec-diff' });
  private readonly classBox = h('section', { class: 'section', 'data-testid': 'class-compare' });
  private data: CompareData | undefined;
  private palette: Palette = palette();
  private theme = 0;

  constructor(root: HTMLElement, private readonly post: (m: FromExperiments) => void, private readonly ui: CompareUiState, private readonly save: () => void) {
    this.table = new RunTableView({
      testid: 'compare-table', selectable: false,
      colourOf: (runDir) => {
        const r = this.data?.runs.find((x) => x.runDir === runDir);
        return r ? runColour(this.palette, r.colour) : undefined;
      },
      onOpen: (runDir) => post({ type: 'openRun', runDir }),
      onNote: (runDir) => post({ type: 'editNote', runDir }),
      onChange: () => this.changed(),
    }, ui.table);
    root.append(
      h('header', { class: 'header' }, h('div', { class: 'title-row' }, h('div', { class: 'title' }, this.title)), this.legend),
      h('section', { class: 'section' }, h('h2', {}, 'Curves'), h('p', { class: 'muted small' }, 'Hover a chart to read every run at that epoch; drag to zoom, double-click to reset.'), this.charts),
      h('section', { class: 'section' }, h('h2', {}, 'Runs'), this.table.element),
      h('section', { class: 'section' }, h('h2', {}, 'What changed'), this.diffBox),
      this.classBox,
    );
  }

  private changed(): void {
    this.save();
    if (this.data) this.render(this.data);
  }

  themeChanged(): void {
    this.palette = palette();
    this.theme++;
    if (this.data) this.render(this.data);
  }

  render(data: CompareData): void {
    this.data = data;
    const model = [...new Set(data.runs.map((r) => r.label))].length;
    text(this.title, `Compare ${data.runs.length} runs`);
    this.title.dataset.runs = String(model);
    clear(this.legend);
    for (const r of data.runs) this.legend.append(swatch(runColour(this.palette, r.colour), `${r.label}${r.status !== 'completed' ? ` (${r.status})` : ''}`));
    this.renderCharts(data.runs);
    this.table.render(data.table);
    this.renderDiff(data);
    this.renderClasses(data.runs);
  }

  private renderCharts(runs: CompareRun[]): void {
    const metrics = curveMetrics(runs);
    for (const [k, c] of this.chartMap) {
      if (!metrics.includes(k)) {
        c.destroy();
        c.element.remove();
        this.chartMap.delete(k);
      }
    }
    for (const m of metrics) {
      let chart = this.chartMap.get(m);
      if (!chart) {
        chart = new OverlayChart(m, 'epoch');
        this.chartMap.set(m, chart);
        this.charts.append(chart.element);
      }
      const { x, values } = overlay(runs, m);
      chart.update(m, x, runs.map((r, i) => ({ label: r.label, colour: runColour(this.palette, r.colour), values: values[i] })), this.palette, this.theme, { logY: false });
    }
    if (metrics.length === 0) this.charts.replaceChildren(h('p', { class: 'muted' }, 'None of these runs logged an epoch yet.'));
  }

  private renderDiff(data: CompareData): void {
    clear(this.diffBox);
    const runs = data.runs;
    const [a, b] = this.ui.diff.map((i) => Math.min(runs.length - 1, Math.max(0, i)));
    const pick = (which: 0 | 1) => {
      const select = h('select', { 'data-testid': `diff-${which === 0 ? 'a' : 'b'}` });
      runs.forEach((r, i) => select.append(h('option', { value: String(i), selected: i === (which === 0 ? a : b) }, r.label)));
      select.addEventListener('change', () => {
        this.ui.diff[which] = Number(select.value);
        this.changed();
      });
      return select;
    };
    const only = h('label', { class: 'toggle' }, h('input', { type: 'checkbox', checked: this.ui.onlyChangedSpec, 'data-testid': 'diff-only-changed' }), ' only changed settings');
    only.querySelector('input')?.addEventListener('change', (e) => {
      this.ui.onlyChangedSpec = (e.target as HTMLInputElement).checked;
      this.changed();
    });
    this.diffBox.append(h('div', { class: 'table-tools' }, pick(0), h('span', { class: 'muted' }, 'vs'), pick(1), only));
    const A = runs[a].params;
    const B = runs[b].params;
    const keys = [...new Set([...Object.keys(A), ...Object.keys(B)])];
    const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
    const differs = (k: string) => JSON.stringify(A[k]) !== JSON.stringify(B[k]);
    const rows = keys.filter((k) => !this.ui.onlyChangedSpec || differs(k));
    const table = h('table', { class: 'grid-table diff-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'setting'), h('th', {}, runs[a].label), h('th', {}, runs[b].label))));
    const body = h('tbody');
    for (const k of rows) {
      body.append(h('tr', { class: differs(k) ? 'changed' : '', 'data-testid': differs(k) ? 'diff-changed' : 'diff-same', 'data-path': k }, h('td', { class: 'mono' }, k), h('td', { class: 'mono old' }, show(A[k])), h('td', { class: 'mono new' }, show(B[k]))));
    }
    table.append(body);
    this.diffBox.append(rows.length ? table : h('p', { class: 'muted' }, a === b ? 'Pick two different runs.' : 'These two runs were trained from the same settings.'));
  }

  private renderClasses(runs: CompareRun[]): void {
    clear(this.classBox);
    const withReport = runs.filter((r) => r.report?.task === 'classification' && r.report.confusion && r.report.classes);
    if (withReport.length === 0) {
      this.classBox.hidden = true;
      return;
    }
    this.classBox.hidden = false;
    this.classBox.append(h('h2', {}, 'Classes'));
    const grid = h('div', { class: 'side-by-side' });
    for (const r of withReport) {
      const head = h('h3', {}, swatch(runColour(this.palette, r.colour), r.label));
      grid.append(h('div', { class: 'card', 'data-testid': 'run-confusion' }, head, confusionMatrix(r.report?.classes ?? [], r.report?.confusion ?? [])));
    }
    this.classBox.append(grid);
    // per-class F1: classes × runs, the best run per class marked
    const classes = [...new Set(withReport.flatMap((r) => (r.report?.perClass ?? []).map((p) => p.label)))];
    const table = h('table', { class: 'grid-table', 'data-testid': 'per-class-f1' });
    table.append(h('thead', {}, h('tr', {}, h('th', {}, 'F1 per class'), ...withReport.map((r) => h('th', { class: 'num' }, swatch(runColour(this.palette, r.colour), r.label))))));
    const body = h('tbody');
    for (const c of classes) {
      const values = withReport.map((r) => r.report?.perClass?.find((p) => p.label === c)?.f1);
      const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
      const best = finite.length > 1 && new Set(finite).size > 1 ? Math.max(...finite) : undefined;
      body.append(h('tr', {}, h('td', {}, c), ...values.map((v) => h('td', { class: `num${v !== undefined && v === best ? ' best' : ''}` }, v === undefined ? '–' : formatNumber(v, 3), v !== undefined && v === best ? ' ★' : ''))));
    }
    table.append(body);
    this.classBox.append(h('div', { class: 'card' }, table));
  }
}
