/**
 * `model-studio compare RUN_DIR... [--all] [--json]`: runs side by side — what changed between them (the
 * settings of their resolved specs that differ) and their best and final epoch metrics and test-report
 * numbers, the best of each marked ★. With --json: {"runs":[…],"changed":[{"path","values"}],"table":{…}}.

 */
import * as path from 'node:path';
import { buildRunTable, changedParams, readRunSummary, runName, type Cell, type RunSummary } from '../experiments/runTable';
import { fmt, parseArgs, reportStartError, shown, UsageError, type ParsedArgs } from './train';

export const cellText = (v: Cell | undefined): string => (v === null || v === undefined ? '–' : typeof v === 'number' ? fmt(v) : String(v));
const valueText = (v: unknown): string => (v === undefined ? '–' : typeof v === 'number' ? fmt(v) : typeof v === 'string' ? v : JSON.stringify(v));

/** Rows of cells as aligned text (the first column left-aligned, the others too: values are short). */
export function textTable(rows: string[][], gap = 2): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, [...c].length); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length + gap))).join('').trimEnd()).join('\n');
}

/** A, B, … Z, AA, … for the runs' columns. */
const letter = (i: number): string => (i < 26 ? String.fromCharCode(65 + i) : letter(Math.floor(i / 26) - 1) + letter(i % 26));

async function readAll(dirs: string[]): Promise<RunSummary[]> {
  return Promise.all(dirs.map(async (d) => {
    try {
      return await readRunSummary(d);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  }));
}

export async function run(args: string[]): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(args, { flags: ['json', 'all'], values: [] });
    if (parsed.positionals.length < 2) throw new UsageError('give two or more run folders: model-studio compare RUN_DIR RUN_DIR… [--all] [--json]');
  } catch (err) {
    return reportStartError('compare', err);
  }
  let runs: RunSummary[];
  try {
    runs = await readAll(parsed.positionals.map((p) => path.resolve(p)));
  } catch (err) {
    return reportStartError('compare', err);
  }
  const all = parsed.flags.has('all');
  if (parsed.flags.has('json')) {
    process.stdout.write(`${JSON.stringify({ runs, changed: changedParams(runs), table: buildRunTable(runs, { allParams: all }) })}\n`);
    return 0;
  }
  process.stdout.write(compareText(runs, { allParams: all }));
  return 0;
}

/** What `compare` prints: the runs, the changed parameters and the metrics, one column per run (A, B, …). */
export function compareText(runs: readonly RunSummary[], opts: { allParams?: boolean } = {}): string {
  const table = buildRunTable(runs, opts);
  const changed = changedParams(runs);
  const names = runs.map((_, i) => letter(i));
  let text = `${textTable(runs.map((s, i) => [`${names[i]}`, runName(s), s.status, `${s.epochs?.completed ?? '–'} epochs`, s.durationMs !== undefined ? `${fmt(Math.round(s.durationMs / 100) / 10)} s` : '–', s.backend ?? '', shown(s.runDir)]))}\n\n`;
  if (changed.length === 0) text += 'changed parameters: none (the runs were trained from the same settings)\n';
  else text += `${textTable([['changed parameters', ...names], ...changed.map((c) => [`  ${c.path}`, ...c.values.map(valueText)])])}\n`;
  const groups: Array<[string, string]> = [['best', 'best epoch'], ['final', 'last epoch'], ['test', 'test report']];
  const metricRows: string[][] = [[`metrics (★ best)`, ...names]];
  for (const [group, title] of groups) {
    const cols = table.columns.filter((c) => c.group === group);
    if (!cols.length) continue;
    metricRows.push([`  ${title}`]);
    for (const c of cols) metricRows.push([`    ${c.label}`, ...table.rows.map((r, i) => `${cellText(r.cells[c.key])}${c.best === i ? ' ★' : ''}`)]);
  }
  if (metricRows.length > 1) text += `\n${textTable(metricRows)}\n`;
  const notes = runs.map((s, i) => (s.notes.note || s.notes.tags.length ? `  ${names[i]}: ${s.notes.tags.map((t) => `#${t}`).join(' ')}${s.notes.tags.length && s.notes.note ? ' ' : ''}${s.notes.note}` : '')).filter(Boolean);
  if (notes.length) text += `\nnotes\n${notes.join('\n')}\n`;
  return text;
}
