/** report.md: the same report as report.json, as tables a person reads in any Markdown viewer. */
import type { Report } from './report';
import type { ClassificationReport } from './classification';
import type { RegressionReport } from './regression';

const fmt = (v: number | null | undefined, digits = 4): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs >= 1e6 || abs < 1e-4) ? v.toExponential(3) : v.toFixed(digits);
};

/** Class names may hold characters that break a table cell. */
const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(header: string[], rows: string[][], align?: Array<'l' | 'r'>): string {
  const sep = header.map((_, i) => ((align?.[i] ?? 'r') === 'l' ? ':---' : '---:'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function reportMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`# Evaluation report — ${report.task}`, '');
  out.push(`Split: **${report.split}** · samples: **${report.n}** · created ${report.createdAt}`, '');
  out.push('## Summary', '');
  out.push(table(['metric', 'value'], Object.entries(report.summary).map(([k, v]) => [k, fmt(v)]), ['l', 'r']), '');
  if (report.classification) for (const line of classificationSection(report.classification)) out.push(line);
  if (report.regression) for (const line of regressionSection(report.regression)) out.push(line);
  if (report.examples?.length) {
    out.push('## Misclassified examples', '');
    out.push(table(['#', 'true', 'predicted', 'confidence'], report.examples.map((e) => [String(e.index), cell(e.trueLabel), cell(e.predictedLabel), fmt(e.confidence, 3)]), ['r', 'l', 'l', 'r']), '');
  }
  if (report.model) {
    out.push('## Model', '');
    out.push(table(['layer', 'type', 'output shape', 'parameters'], report.model.layers.map((l) => [cell(l.name), cell(l.type), cell(l.outputShape), String(l.params)]), ['l', 'l', 'l', 'r']), '');
    out.push(`Total parameters: **${report.model.totalParams}**`, '');
  }
  return out.join('\n');
}

function classificationSection(c: ClassificationReport): string[] {
  const out: string[] = ['## Per class', ''];
  const rows = c.perClass.map((m) => [cell(m.label), fmt(m.precision), fmt(m.recall), fmt(m.f1), String(m.support)]);
  rows.push(['*macro avg*', fmt(c.macro.precision), fmt(c.macro.recall), fmt(c.macro.f1), String(c.macro.support)]);
  rows.push(['*weighted avg*', fmt(c.weighted.precision), fmt(c.weighted.recall), fmt(c.weighted.f1), String(c.weighted.support)]);
  out.push(table(['class', 'precision', 'recall', 'F1', 'support'], rows, ['l', 'r', 'r', 'r', 'r']), '');
  out.push(`Accuracy **${fmt(c.accuracy)}** · log loss ${fmt(c.logLoss)}`, '');

  out.push('## Confusion matrix', '', 'Rows: true class · columns: predicted class.', '');
  const header = ['true \\ predicted', ...c.classes.map(cell)];
  out.push(table(header, c.confusionMatrix.map((row, i) => [cell(c.classes[i]), ...row.map(String)]), ['l', ...c.classes.map(() => 'r' as const)]), '');

  out.push('## ROC and precision-recall', '');
  const kind = c.curves.kind === 'binary' ? `binary, positive class "${c.classes[1]}"` : 'one-vs-rest';
  out.push(`AUC ${fmt(c.curves.auc)} · average precision ${fmt(c.curves.ap)} (${kind}${c.curves.kind === 'ovr' ? ', macro average' : ''})`, '');
  if (c.curves.kind === 'ovr') {
    out.push(table(['class', 'AUC', 'AP'], c.curves.perClass.map((k) => [cell(k.label), fmt(k.auc), fmt(k.ap)]), ['l', 'r', 'r']), '');
  }
  return out;
}

function regressionSection(r: RegressionReport): string[] {
  const q = r.residuals.quantiles;
  return [
    '## Errors', '',
    table(['metric', 'value'], [
      ['MSE', fmt(r.mse)], ['RMSE', fmt(r.rmse)], ['MAE', fmt(r.mae)], ['R²', fmt(r.r2)],
      ['median absolute error', fmt(r.medianAbsoluteError)], ['max error', fmt(r.maxError)],
    ], ['l', 'r']), '',
    '## Residuals (actual − predicted)', '',
    table(['mean', 'std', 'min', '5%', '25%', '50%', '75%', '95%', 'max'],
      [[r.residuals.mean, r.residuals.std, r.residuals.min, q.p5, q.p25, q.p50, q.p75, q.p95, r.residuals.max].map((v) => fmt(v))]), '',
    '## Residual histogram', '',
    table(['from', 'to', 'count'], r.histogram.counts.map((count, i) => [fmt(r.histogram.edges[i]), fmt(r.histogram.edges[i + 1]), String(count)])), '',
  ];
}
