/**
 * The pieces the experiment views share: run colours, a chart of several runs overlaid on one axis (one
 * colour per run, a legend that shows every run's value at the hovered epoch), and the sortable,
 * filterable runs table with the best value of each metric column marked.
 */
import uPlot from 'uplot';
import type { Cell, Column, RunTable } from '../../src/protocol/experiments';
import { clear, h, text } from '../dom';
import { formatDuration, formatNumber } from '../format';
import { withAlpha, type Palette } from '../theme';
import { firstSort, shownColumns, visibleRows, type SortState } from './model';

/** The colour of run number `i`: the theme's chart colours, then the terminal's. */
export function runColour(p: Palette, i: number): string {
  const style = getComputedStyle(document.documentElement);
  const extra = ['--vscode-terminal-ansiCyan', '--vscode-terminal-ansiMagenta', '--vscode-terminal-ansiBrightBlue', '--vscode-terminal-ansiBrightGreen']
    .map((v, k) => style.getPropertyValue(v).trim() || ['#29b8db', '#bc3fbc', '#3b8eea', '#23d18b'][k]);
  const all = [...p.series, ...extra];
  return all[i % all.length];
}

const HEIGHT = 220;

export interface OverlaySeries { label: string; colour: string; values: Array<number | null>; width?: number; points?: boolean; dash?: number[] }

/** Several runs' values of one metric on a shared x axis. */
export class OverlayChart {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'chart-body' });
  private readonly titleEl = h('h3', { class: 'chart-title' });
  private plot: uPlot | undefined;
  private signature = '';

  constructor(readonly key: string, private readonly xLabel: string) {
    this.element = h('div', { class: 'chart', 'data-testid': `chart-${key}` }, h('div', { class: 'chart-head' }, this.titleEl), this.body);
    new ResizeObserver(() => {
      const width = Math.max(200, this.body.clientWidth);
      if (this.plot && Math.abs(this.plot.width - width) > 1) this.plot.setSize({ width, height: HEIGHT });
    }).observe(this.body);
  }

  update(title: string, x: number[], series: OverlaySeries[], p: Palette, theme: number, opts: { logY?: boolean; stepped?: number[] } = {}): void {
    text(this.titleEl, title);
    this.element.dataset.series = String(series.length);
    this.element.dataset.points = String(series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0));
    const data: uPlot.AlignedData = [x, ...series.map((s) => s.values)];
    const signature = [theme, opts.logY, series.map((s) => `${s.label}/${s.colour}/${s.width}`).join('|')].join('#');
    if (this.plot && signature === this.signature) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.signature = signature;
    const axis = (label: string): uPlot.Axis => ({ label, stroke: p.muted, font: p.font, labelFont: p.font, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 }, size: 46, labelSize: 18 });
    this.plot = new uPlot({
      width: Math.max(200, this.body.clientWidth || 420),
      height: HEIGHT,
      scales: { x: { time: false }, y: opts.logY ? { distr: 3 } : { auto: true } },
      axes: [axis(this.xLabel), { ...axis(''), values: (_u, ticks) => ticks.map((t) => formatNumber(t, 3)) }],
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 }, focus: { prox: 24 } },
      focus: { alpha: 0.35 },
      legend: { live: true },
      series: [
        { label: this.xLabel, value: (_u, v) => (v === null ? '–' : formatNumber(v)) },
        ...series.map((s, i): uPlot.Series => ({
          label: s.label,
          stroke: s.colour,
          width: s.width ?? (p.highContrast ? 2.5 : 1.8),
          spanGaps: true,
          ...(s.dash ? { dash: s.dash } : {}),
          ...(opts.stepped?.includes(i) ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
          points: { show: s.points ?? s.values.filter((v) => v !== null).length <= 40, size: 5, fill: s.colour },
          value: (_u, v) => (v === null ? '–' : formatNumber(v)),
        })),
      ],
    }, data, this.body);
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }
}

// ---------------------------------------------------------------- the runs table

const GROUP_TITLE: Record<Column['group'], string> = { run: 'run', param: 'parameters', best: 'best epoch', final: 'last epoch', test: 'test report' };

export function formatCell(c: Column, v: Cell | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return c.key === 'duration' ? formatDuration(v * 1000) : formatNumber(v);
  return String(v);
}

export interface TableOptions {
  testid: string;
  /** rows can be ticked (for Compare Selected) */
  selectable: boolean;
  /** the colour dot of a row's run (compare view) */
  colourOf?: (runDir: string) => string | undefined;
  onOpen?: (runDir: string) => void;
  onNote?: (runDir: string) => void;
  onChange: () => void;
}

export interface TableState { sort?: SortState; filter: string; onlyChanged: boolean; selected: string[] }

/** The runs × (run info, parameters, metrics) table: click a header to sort, type to filter. */
export class RunTableView {
  readonly element: HTMLElement;
  private readonly tableEl = h('table', { class: 'grid-table runs-table' });
  private readonly count = h('span', { class: 'muted small' });

  constructor(private readonly o: TableOptions, private state: TableState) {
    const filter = h('input', { type: 'search', class: 'filter', placeholder: 'Filter runs (status, tag, value…)', 'data-testid': `${o.testid}-filter`, value: state.filter });
    filter.addEventListener('input', () => {
      this.state.filter = filter.value;
      o.onChange();
    });
    const changed = h('label', { class: 'toggle' }, h('input', { type: 'checkbox', 'data-testid': `${o.testid}-only-changed`, checked: state.onlyChanged }), ' only what differs');
    changed.querySelector('input')?.addEventListener('change', (e) => {
      this.state.onlyChanged = (e.target as HTMLInputElement).checked;
      o.onChange();
    });
    this.element = h('div', { class: 'runs-table-wrap' }, h('div', { class: 'table-tools' }, filter, changed, this.count), h('div', { class: 'scroll' }, this.tableEl));
  }

  get selected(): string[] {
    return this.state.selected;
  }

  render(table: RunTable): void {
    const cols = shownColumns(table, this.state.onlyChanged);
    const rows = visibleRows(table, this.state.sort, this.state.filter);
    text(this.count, `${rows.length} of ${table.rows.length} runs`);
    clear(this.tableEl);
    this.tableEl.dataset.testid = this.o.testid;
    // two header rows: the group (parameters, best epoch, …) over the column names
    const groups = h('tr', { class: 'groups' }, h('th', { colspan: this.o.selectable ? 2 : 1 }));
    let last = '';
    for (const c of cols) {
      if (c.group === last) {
        const cell = groups.lastElementChild as HTMLElement;
        cell.setAttribute('colspan', String(Number(cell.getAttribute('colspan') ?? 1) + 1));
      } else groups.append(h('th', { colspan: 1, class: `group g-${c.group}` }, GROUP_TITLE[c.group]));
      last = c.group;
    }
    const head = h('tr', {}, ...(this.o.selectable ? [h('th', {})] : []), h('th', { class: 'sortable', 'data-key': 'label' }, 'run'));
    for (const c of cols) {
      const sorted = this.state.sort?.key === c.key ? (this.state.sort.descending ? ' ▼' : ' ▲') : '';
      const th = h('th', { class: `sortable${c.group !== 'run' && c.group !== 'param' ? ' num' : ''}`, title: `${GROUP_TITLE[c.group]}: ${c.label}${c.goal ? ` (${c.goal === 'maximize' ? 'higher' : 'lower'} is better)` : ''} — click to sort`, 'data-testid': `col-${c.key}` }, `${c.label}${sorted}`);
      th.addEventListener('click', () => {
        const s = this.state.sort;
        this.state.sort = s && s.key === c.key ? { key: c.key, descending: !s.descending } : firstSort(c);
        this.o.onChange();
      });
      head.append(th);
    }
    this.tableEl.append(h('thead', {}, groups, head));
    const body = h('tbody');
    for (const i of rows) {
      const r = table.rows[i];
      const tr = h('tr', { 'data-testid': 'run-row', 'data-run': r.runDir });
      if (this.o.selectable) {
        const box = h('input', { type: 'checkbox', 'data-testid': 'run-select', checked: this.state.selected.includes(r.runDir), title: 'Select to compare' });
        box.addEventListener('change', () => {
          this.state.selected = box.checked ? [...this.state.selected, r.runDir] : this.state.selected.filter((d) => d !== r.runDir);
          this.o.onChange();
        });
        tr.append(h('td', {}, box));
      }
      const colour = this.o.colourOf?.(r.runDir);
      const name = h('a', { href: '#', class: 'run-link', title: `Open the dashboard of ${r.runDir}` }, r.label);
      name.addEventListener('click', (e) => {
        e.preventDefault();
        this.o.onOpen?.(r.runDir);
      });
      const dot = colour ? h('span', { class: 'run-dot' }) : null;
      if (dot && colour) dot.style.background = colour;
      const label = h('td', { class: 'run-label' }, dot, name);
      if (this.o.onNote) {
        const note = h('a', { href: '#', class: 'note-link', title: 'Edit the note and tags', 'data-testid': 'edit-note' }, '✎');
        note.addEventListener('click', (e) => {
          e.preventDefault();
          this.o.onNote?.(r.runDir);
        });
        label.append(' ', note);
      }
      tr.append(label);
      for (const c of cols) {
        const v = r.cells[c.key];
        const best = c.best === i;
        tr.append(h('td', { class: `${typeof v === 'number' ? 'num' : ''}${best ? ' best' : ''}${c.key === 'status' ? ` status-cell ${String(v)}` : ''}`, 'data-col': c.key, ...(best ? { 'data-best': 'true', title: `best ${c.label}` } : {}) }, formatCell(c, v), best ? ' ★' : ''));
      }
      body.append(tr);
    }
    this.tableEl.append(body);
  }
}

/** A coloured label for the charts' legends, e.g. in the compare view's header. */
export function swatch(colour: string, label: string): HTMLElement {
  const s = h('span', { class: 'swatch' });
  s.style.background = colour;
  return h('span', { class: 'legend-item' }, s, label);
}

export const faint = (colour: string) => withAlpha(colour, 0.35);
