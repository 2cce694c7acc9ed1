/**
 * `model-studio evaluate RUN_OR_MODEL_DIR [--data FILE] [--backend NAME] [--json]`: evaluate a run
 * again on its evaluate split (rewriting its report), or on FILE (a report under the run's reports/
 * folder, the run's own report untouched); a bare model folder needs --data (printed only).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backendArg, parseArgs, printSummary, reportStartError, shown, UsageError } from './train';

export async function run(args: string[]): Promise<number> {
  try {
    const parsed = parseArgs(args, { flags: ['json'], values: ['data', 'backend'] });
    if (parsed.positionals.length !== 1) throw new UsageError('give one run or model folder: model-studio evaluate RUN_OR_MODEL_DIR [--data FILE]');
    const backend = backendArg(parsed.values.get('backend'));
    const dir = parsed.positionals[0];
    if (!fs.existsSync(dir)) throw new UsageError(`${dir}: no such folder (give a run folder, or a model folder with --data FILE)`);
    const dataArg = parsed.values.get('data');
    if (dataArg !== undefined && !fs.existsSync(dataArg)) throw new UsageError(`${dataArg}: no such file (the --data file to evaluate on)`);
    if (!parsed.values.has('data') && !fs.existsSync(path.join(parsed.positionals[0], 'run.json'))) {
      throw new UsageError(`${parsed.positionals[0]} is not a run folder (no run.json): give the data to evaluate on with --data FILE`);
    }
    const { evaluateRun } = await import('../engine/session');
    const out = await evaluateRun(parsed.positionals[0], parsed.values.get('data'), { backend });
    const data = out.data;
    if (parsed.flags.has('json')) {
      process.stdout.write(`${JSON.stringify({ event: 'done', run: out.runDir ?? null, status: 'completed', ...(out.runStatus ? { runStatus: out.runStatus } : {}), split: data ? null : out.report.split, ...(data ? { data } : {}), n: out.report.n, metrics: out.report.summary, report: out.reportFile ?? null })}\n`);
    } else {
      if (out.runStatus === 'crashed') process.stdout.write('run: crashed (process gone): run.json still says running, but its process has ended; evaluating its best checkpoint\n');
      else if (out.runStatus === 'running') process.stdout.write('run: still running: evaluating its best checkpoint so far\n');
      printSummary(process.stdout, `${out.report.task} report on ${data ? shown(data) : `the ${out.report.split} split`} (${out.report.n} samples):`, out.report.summary);
      if (out.reportFile) {
        process.stdout.write(`\nreport: ${shown(out.reportFile.replace(/\.json$/, '.md'))}${data ? ' (the run\'s own report.md is unchanged)' : ''}\n`);
      }
    }
    return 0;
  } catch (err) {
    return reportStartError('evaluate', err);
  }
}
