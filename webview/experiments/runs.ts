/**
 * The runs table of one model (MLflow's runs list): every run and sweep trial, sortable and filterable;
 * a run's name opens its dashboard, ✎ edits its note and tags, ticked runs are compared.
 */
import type { FromExperiments, RunsData } from '../../src/protocol/experiments';
import { h, text } from '../dom';
import { button, setDisabled } from '../ui';
import { RunTableView, type TableState } from './widgets';

export class RunsView {
  private readonly title = h('h1', { 'data-testid': 'runs-title' });
  private readonly where = h('span', { class: 'muted run-id' });
  private readonly compare: HTMLElement;
  private readonly table: RunTableView;
  private data: RunsData | undefined;

  constructor(root: HTMLElement, private readonly post: (m: FromExperiments) => void, ui: TableState, private readonly save: () => void) {
    this.table = new RunTableView({
      testid: 'runs-table', selectable: true,
      onOpen: (runDir) => post({ type: 'openRun', runDir }),
      onNote: (runDir) => post({ type: 'editNote', runDir }),
      onChange: () => {
        this.save();
        if (this.data) this.render(this.data);
      },
    }, ui);
    this.compare = button('Compare Selected', {
      appearance: 'primary', testid: 'btn-compare-selected', title: 'Open the selected runs side by side',
      onClick: () => {
        const runDirs = this.table.selected.filter((d) => this.data?.rows.some((r) => r.runDir === d));
        if (runDirs.length >= 2) post({ type: 'compare', runDirs });
      },
    });
    const refresh = button('Refresh', { testid: 'btn-refresh', onClick: () => post({ type: 'action', action: 'refresh' }) });
    root.append(
      h('header', { class: 'header' }, h('div', { class: 'title-row' }, h('div', { class: 'title' }, this.title, this.where), h('div', { class: 'actions' }, this.compare, refresh))),
      h('section', { class: 'section' }, h('p', { class: 'muted small' }, 'Click a column to sort (the best value of each metric is marked ★), type to filter, tick two or more runs to compare them.'), this.table.element),
    );
  }

  render(data: RunsData): void {
    this.data = data;
    text(this.title, `Runs of ${data.model}`);
    text(this.where, data.dir);
    const n = this.table.selected.filter((d) => data.rows.some((r) => r.runDir === d)).length;
    text(this.compare, n >= 2 ? `Compare Selected (${n})` : 'Compare Selected');
    setDisabled(this.compare, n < 2);
    this.table.render(data.table);
  }
}
