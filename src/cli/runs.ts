/**
 * `model-studio runs RUNS_DIR/<model> [--sort METRIC] [--json]`: a model's runs (its sweeps' trials too),
 * newest first, or best first by METRIC (a test-report number such as accuracy or test_r2, an epoch metric
 * such as val_loss — its best epoch —, duration or started).
 */
import * as path from 'node:path';
import { listModelRuns, readRunSummary, runName, sortRuns, sortValue, type RunSummary } from '../experiments/runTable';
import { cellText, textTable } from './compare';
import { fmt, parseArgs, reportStartError, shown, UsageError, type ParsedArgs } from './train';

export async function run(args: string[]): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(args, { flags: ['json'], values: ['sort'] });
    if (parsed.positionals.length !== 1) throw new UsageError('give one model\'s runs folder: model-studio runs runs/<model> [--sort METRIC] [--json]');
  } catch (err) {
    return reportStartError('runs', err);
  }
  const dir = path.resolve(parsed.positionals[0]);
  const dirs = await listModelRuns(dir);
  if (dirs.length === 0) {
    process.stderr.write(`model-studio runs: no runs in ${shown(dir)} (expected run folders with run.json; give a model's folder, e.g. runs/iris)\n`);
    return 2;
  }
  const summaries = (await Promise.all(dirs.map((d) => readRunSummary(d).catch(() => undefined)))).filter((s): s is RunSummary => s !== undefined);
  const sort = parsed.values.get('sort');
  const problem = sortRuns(summaries, sort);
  if (problem) {
    process.stderr.write(`model-studio runs: ${problem}\n`);
    return 2;
  }
  process.stdout.write(parsed.flags.has('json') ? `${JSON.stringify({ runs: summaries })}\n` : runsText(summaries, sort));
  return 0;
}

/** What `runs` prints: one line per run, with the headline metrics of the task (and the sort metric). */
export function runsText(summaries: readonly RunSummary[], sort?: string): string {
  const task = summaries.find((s) => s.task)?.task;
  const headline = task === 'regression' ? ['rmse', 'r2'] : ['accuracy', 'macroF1'];
  const epochMetric = summaries.some((s) => s.bestEpoch.val_loss !== undefined) ? 'val_loss' : 'loss';
  const extra = sort && !['duration', 'started', epochMetric, ...headline, ...headline.map((h) => `test_${h}`)].includes(sort) ? [sort] : [];
  const rows = [['run', 'status', 'started', 'epochs', 'duration', `best ${epochMetric}`, ...headline.map((h) => `test ${h}`), ...extra, 'tags', 'note']];
  for (const s of summaries) {
    rows.push([
      runName(s), s.status, s.startedAt ? s.startedAt.replace('T', ' ').slice(0, 19) : '–', s.epochs ? `${s.epochs.completed}/${s.epochs.planned}` : '–',
      s.durationMs !== undefined ? `${fmt(Math.round(s.durationMs / 100) / 10)} s` : '–', cellText(s.bestEpoch[epochMetric]), ...headline.map((h) => cellText(s.test[h])),
      ...extra.map((m) => cellText(sortValue(s, m).value)), s.notes.tags.join(', '), s.notes.note.split('\n')[0].slice(0, 40),
    ]);
  }
  return `${textTable(rows)}\n`;
}
