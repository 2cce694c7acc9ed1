/**
 * The evaluation report: summary numbers, confusion-matrix heatmap, per-class table, ROC and PR
 * curves, misclassified examples (classification); scatter and residual histogram (regression);
 * the model summary. Built once per report.
 */
import type { ClassMetrics, ReportView } from '../src/protocol/webview';
import { h } from './dom';
import { formatNumber, formatPercent, isFraction } from './format';
import { curvesPlot, histogramPlot, scatterPlot } from './plots';
import { confusionCells, matrixTotal, residualHistogram } from './state';

const MAX_CURVES = 10;

export function renderReport(r: ReportView): HTMLElement {
  const root = h('div', { class: 'report', 'data-testid': 'report' });
  const split = r.split ? `${r.split} split` : 'held-out data';
  root.append(h('p', { class: 'muted' }, `Computed on the ${split}${r.samples !== undefined ? ` (${r.samples.toLocaleString('en-US')} samples)` : ''}.`));
  root.append(summaryCards(r));
  if (r.classification) {
    const c = r.classification;
    root.append(
      // Many classes: the matrix gets the full width, the table goes below it.
      h('div', { class: `report-row${c.classes.length > 8 ? ' stack' : ''}` },
        card('Confusion matrix', 'rows: actual class · columns: predicted · % of the row (recall)', confusionMatrix(c.classes, c.confusion)),
        card('Per class', '', classTable(c.perClass, c.macro, c.weighted))),
    );
    const curves = h('div', { class: 'report-row' });
    // Many classes: draw the hardest ones (lowest score); the note keeps the macro average of all.
    const hardest = (cs: typeof c.roc) => (cs.length <= MAX_CURVES ? cs : [...cs].sort((a, b) => a.score - b.score).slice(0, MAX_CURVES));
    const more = (cs: typeof c.roc) => (cs.length > MAX_CURVES ? ` · the ${MAX_CURVES} lowest of ${cs.length} classes drawn` : '');
    if (c.roc.length) curves.append(card('ROC', curveNote(c.roc, 'AUC') + more(c.roc), curvesPlot(hardest(c.roc), { xLabel: 'false-positive rate', yLabel: 'true-positive rate', diagonal: true, scoreName: 'AUC', testid: 'roc' }), legend(hardest(c.roc), 'AUC')));
    if (c.pr.length) curves.append(card('Precision–recall', curveNote(c.pr, 'AP') + more(c.pr), curvesPlot(hardest(c.pr), { xLabel: 'recall', yLabel: 'precision', scoreName: 'AP', testid: 'pr' }), legend(hardest(c.pr), 'AP')));
    if (curves.childElementCount) root.append(curves);
    if (c.misclassified.length) root.append(card(`Misclassified examples (${c.misclassified.length} shown, most confident first)`, '', examples(c)));
  }
  if (r.regression) {
    const g = r.regression;
    const hist = g.histogram && g.histogram.counts.length ? g.histogram : residualHistogram(g.actual, g.predicted);
    root.append(
      h('div', { class: 'report-row' },
        card('Predicted vs actual', `${g.actual.length.toLocaleString('en-US')} test samples; the line is a perfect prediction`, scatterPlot(g.actual, g.predicted, 'scatter')),
        card('Residuals', 'distribution of predicted − actual', histogramPlot(hist.edges, hist.counts, 'residuals'))),
    );
  }
  if (r.layers.length) root.append(card('Model', '', layerTable(r)));
  return root;
}

function card(title: string, note: string, ...body: Node[]): HTMLElement {
  return h('section', { class: 'card' }, h('h3', {}, title), note ? h('p', { class: 'muted small' }, note) : null, ...body);
}

function summaryCards(r: ReportView): HTMLElement {
  const row = h('div', { class: 'summary', 'data-testid': 'summary' });
  for (const s of r.summary) {
    const value = isFraction(s.key) ? formatPercent(s.value, 2) : formatNumber(s.value);
    row.append(h('div', { class: `metric${s.key === 'accuracy' || s.key === 'r2' ? ' headline' : ''}`, 'data-testid': s.key === 'accuracy' ? 'accuracy' : `summary-${s.key}`, 'data-value': s.value, title: `${s.key} = ${s.value}` },
      h('div', { class: 'metric-value' }, value), h('div', { class: 'metric-label' }, s.label)));
  }
  return row;
}

export function confusionMatrix(classes: string[], matrix: number[][]): HTMLElement {
  const cells = confusionCells(classes, matrix);
  const table = h('table', { class: `cm${classes.length > 12 ? ' compact' : ''}`, 'data-testid': 'confusion-matrix', 'data-total': matrixTotal(matrix) });
  const head = h('tr', {}, h('th', { class: 'corner' }, 'actual ╲ predicted'));
  for (const c of classes) head.append(h('th', { class: 'col', title: c }, h('span', {}, c)));
  head.append(h('th', { class: 'col total' }, 'n'));
  table.append(h('thead', {}, head));
  const body = h('tbody');
  cells.forEach((row, i) => {
    const tr = h('tr', {}, h('th', { class: 'rowhead', title: classes[i] }, classes[i] ?? String(i)));
    for (const cell of row) {
      const td = h('td', { 'data-testid': 'cm-cell', 'data-count': cell.count, 'data-actual': cell.actual, 'data-predicted': cell.predicted, class: cell.diagonal ? 'diag' : cell.count ? 'miss' : 'zero', title: `actual ${cell.actual}, predicted ${cell.predicted}: ${cell.count} (${cell.rowPercent.toFixed(1)}% of ${cell.actual})` },
        h('div', { class: 'count' }, String(cell.count)), h('div', { class: 'pct' }, `${cell.rowPercent.toFixed(cell.rowPercent > 0 && cell.rowPercent < 1 ? 1 : 0)}%`));
      // Colour by the share of the row: blue on the diagonal (right), red off it (errors).
      const strength = cell.count === 0 ? 0 : 12 + Math.round(78 * cell.intensity);
      td.style.background = `color-mix(in srgb, var(${cell.diagonal ? '--vscode-charts-blue' : '--vscode-charts-red'}) ${strength}%, transparent)`;
      if (strength > 55) td.classList.add('strong');
      tr.append(td);
    }
    tr.append(h('td', { class: 'total' }, String(row.reduce((a, c) => a + c.count, 0))));
    body.append(tr);
  });
  table.append(body);
  return h('div', { class: 'scroll' }, table);
}

function classTable(rows: ClassMetrics[], macro?: ClassMetrics, weighted?: ClassMetrics): HTMLElement {
  const table = h('table', { class: 'grid-table', 'data-testid': 'per-class' });
  table.append(h('thead', {}, h('tr', {}, h('th', {}, 'class'), h('th', { class: 'num' }, 'precision'), h('th', { class: 'num' }, 'recall'), h('th', { class: 'num' }, 'F1'), h('th', { class: 'num' }, 'support'))));
  const body = h('tbody');
  const row = (m: ClassMetrics, cls = '') => {
    const f1 = h('td', { class: 'num bar-cell' }, h('span', { class: 'bar' }), h('span', { class: 'bar-text' }, formatNumber(m.f1, 3)));
    (f1.firstChild as HTMLElement).style.width = `${Math.max(0, Math.min(1, Number.isFinite(m.f1) ? m.f1 : 0)) * 100}%`;
    return h('tr', { class: cls }, h('td', {}, m.label), h('td', { class: 'num' }, formatNumber(m.precision, 3)), h('td', { class: 'num' }, formatNumber(m.recall, 3)), f1, h('td', { class: 'num' }, m.support.toLocaleString('en-US')));
  };
  for (const m of rows) body.append(row(m));
  if (macro) body.append(row({ ...macro, label: 'macro avg' }, 'avg first'));
  if (weighted) body.append(row({ ...weighted, label: 'weighted avg' }, 'avg'));
  table.append(body);
  return h('div', { class: 'scroll' }, table);
}

function curveNote(curves: Array<{ score: number }>, name: string): string {
  if (curves.length === 1) return `${name} ${formatNumber(curves[0].score, 3)}`;
  const ok = curves.filter((c) => Number.isFinite(c.score));
  const mean = ok.reduce((a, c) => a + c.score, 0) / (ok.length || 1);
  return `one-vs-rest per class · macro ${name} ${formatNumber(mean, 3)}`;
}

function legend(curves: Array<{ label: string; score: number }>, name: string): HTMLElement {
  return h('ul', { class: 'legend' }, ...curves.map((c, i) => h('li', {}, h('span', { class: `swatch s${i % 6}` }), `${c.label} `, h('span', { class: 'muted' }, `${name} ${formatNumber(c.score, 3)}`))));
}

function examples(c: NonNullable<ReportView['classification']>): HTMLElement {
  const grid = h('div', { class: 'examples', 'data-testid': 'misclassified' });
  for (const e of c.misclassified) {
    const media = e.image ? h('img', { src: e.image, alt: `actual ${e.actual}`, class: 'thumb' }) : e.text ? h('div', { class: 'snippet' }, e.text) : null;
    grid.append(h('div', { class: 'example' }, media,
      h('div', { class: 'example-labels' }, h('span', { class: 'actual' }, e.actual), ' → ', h('span', { class: 'predicted' }, e.predicted),
        e.confidence !== undefined ? h('span', { class: 'muted' }, ` ${formatPercent(e.confidence, 0)}`) : null)));
  }
  return grid;
}

function layerTable(r: ReportView): HTMLElement {
  const table = h('table', { class: 'grid-table', 'data-testid': 'model-summary' });
  table.append(h('thead', {}, h('tr', {}, h('th', {}, 'layer'), h('th', {}, 'type'), h('th', {}, 'output shape'), h('th', { class: 'num' }, 'parameters'))));
  const body = h('tbody');
  for (const l of r.layers) body.append(h('tr', {}, h('td', {}, l.name), h('td', {}, l.type), h('td', { class: 'mono' }, l.outputShape), h('td', { class: 'num' }, l.params.toLocaleString('en-US'))));
  const total = r.totalParams ?? r.layers.reduce((a, l) => a + l.params, 0);
  body.append(h('tr', { class: 'avg first' }, h('td', { colspan: 3 }, `total${r.trainableParams !== undefined ? ` (${r.trainableParams.toLocaleString('en-US')} trainable)` : ''}`), h('td', { class: 'num' }, total.toLocaleString('en-US'))));
  table.append(body);
  return h('div', { class: 'scroll' }, table);
}
