/**
 * `model-studio sweep FILE [--trials N] [--parallel K] [--resume] [--sweep DIR] [--backend NAME] [--runs-dir DIR] [--json]`
 *
 * Runs the model file's `sweep:` section: a live table of trials on a terminal, plain lines otherwise.
 * With --json, one JSON object per event and last
 *   {"event":"done","sweep":DIR,"status":…,"best":{"run":DIR,"params":{…},"metrics":{…}},"trials":[{"run":…,"params":{…},"status":…,"objective":…}, …]}
 * Ctrl-C (or SIGTERM) stops every trial at its next batch and marks the sweep stopped; `--resume`
 * continues it. Exit codes: 0 a best trial was found, 1 no trial succeeded, 2 usage or model-file
 * error, 130 stopped.
 */
import * as path from 'node:path';
import type { SweepEvent, TrialSummary } from '../sweep/runner';
import { backendArg, fmt, parseArgs, positiveInt, reportStartError, shown, UsageError, type ParsedArgs } from './train';

const USAGE = 'model-studio sweep FILE [--trials N] [--parallel K] [--resume] [--sweep DIR] [--backend NAME] [--runs-dir DIR] [--target NAME] [--json]';

/** `lr=0.001 batchSize=32` from a trial's parameters (the last part of each path). */
export function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params).map(([k, v]) => `${shortName(k)}=${formatValue(v)}`).join(' ');
}

function shortName(p: string): string {
  const parts = p.split(/[.[\]]+/).filter(Boolean);
  const last = parts[parts.length - 1] ?? p;
  // model.layers.0.units → units0, so two layers' units stay apart
  const index = parts.find((s) => /^\d+$/.test(s));
  return index !== undefined && parts[0] === 'model' ? `${last}${index}` : last;
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') return fmt(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

interface Row { trial: number; status: string; epoch: string; objective: number | null; params: Record<string, unknown>; note: string }

export async function run(args: string[]): Promise<number> {
  let parsed: ParsedArgs;
  let trials: number | undefined;
  let parallel: number | undefined;
  let backend: ReturnType<typeof backendArg>;
  try {
    parsed = parseArgs(args, { flags: ['json', 'resume'], values: ['trials', 'parallel', 'backend', 'runs-dir', 'workspace', 'sweep', 'target'] });
    if (parsed.positionals.length !== 1) throw new UsageError(`give exactly one model file: ${USAGE}`);
    trials = positiveInt('trials', parsed.values.get('trials'));
    parallel = positiveInt('parallel', parsed.values.get('parallel'));
    backend = backendArg(parsed.values.get('backend'));
    if (parsed.values.has('sweep') && !parsed.flags.has('resume')) throw new UsageError('--sweep DIR names the sweep to resume: add --resume');
  } catch (err) {
    return reportStartError('sweep', err);
  }
  const json = parsed.flags.has('json');
  const out = process.stdout;
  const err = process.stderr;
  const tty = !json && out.isTTY === true;
  const specPath = path.resolve(parsed.positionals[0]);

  const targetName = parsed.values.get('target');
  let launcher: import('../sweep/launcher').TrialLauncher & { killAll?(): void; dispose?(): void };
  try {
    if (targetName !== undefined && targetName !== 'local') {
      // a SLURM target: the trials are one job array on the cluster, `parallel` of them at once
      const { resolveTarget } = await import('../cluster/targets');
      const { findWorkspaceRoot } = await import('../modelFile/paths');
      const { SlurmLauncher } = await import('../cluster/sweepLauncher');
      const workspaceRoot = path.resolve(parsed.values.get('workspace') ?? findWorkspaceRoot(specPath));
      launcher = new SlurmLauncher({ target: await resolveTarget(workspaceRoot, targetName), workspaceRoot });
    } else {
      const { LocalLauncher } = await import('../sweep/launcher');
      // Trials run the same CLI the same way this one was started (the bin script, dist/cli.js, or the sources under tsx).
      launcher = new LocalLauncher(process.argv[1] ? { command: [process.execPath, ...process.execArgv, process.argv[1]] } : {});
    }
  } catch (err) {
    return reportStartError('sweep', err);
  }
  const controller = new AbortController();
  let interrupted = false;
  const onStop = () => {
    if (interrupted) {
      launcher.killAll?.();
      process.exit(130);
    }
    interrupted = true;
    controller.abort();
    if (!json) err.write('\nstopping the sweep: each running trial finishes its batch and saves… (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);

  // ---- what is shown
  const rows = new Map<number, Row>();
  let metric = '';
  let goal = '';
  let best: number | undefined;
  let header = '';
  let drawn = 0;
  let drawTimer: NodeJS.Timeout | undefined;
  const draw = () => {
    drawTimer = undefined;
    const width = Math.max(40, out.columns ?? 120) - 1;
    const height = Math.max(8, (out.rows ?? 40) - 4);
    const all = [...rows.values()].sort((a, b) => a.trial - b.trial);
    const shownRows = all.length > height - 3 ? all.slice(all.length - (height - 3)) : all;
    const lines = [
      header,
      `${'trial'.padEnd(6)}${'status'.padEnd(14)}${'epoch'.padEnd(9)}${metric.padEnd(Math.max(10, metric.length + 2))}parameters`,
      ...shownRows.map((r) => {
        const mark = best !== undefined && r.trial === best ? '★ ' : '  ';
        return `${mark}${String(r.trial).padEnd(4)}${r.status.padEnd(14)}${r.epoch.padEnd(9)}${(r.objective === null ? '–' : fmt(r.objective)).padEnd(Math.max(10, metric.length + 2))}${formatParams(r.params)}${r.note ? `  ${r.note}` : ''}`;
      }),
    ].map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    out.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const redraw = () => {
    if (tty) drawTimer ??= setTimeout(draw, 100);
  };
  const row = (trial: number) => {
    let r = rows.get(trial);
    if (!r) {
      r = { trial, status: 'starting', epoch: '', objective: null, params: {}, note: '' };
      rows.set(trial, r);
    }
    return r;
  };

  let done: Extract<SweepEvent, { event: 'done' }> | undefined;
  const onEvent = (e: SweepEvent) => {
    if (json) {
      out.write(`${JSON.stringify(e)}\n`);
      if (e.event === 'done') done = e;
      return;
    }
    switch (e.event) {
      case 'sweepStarted':
        metric = e.metric;
        goal = e.goal;
        header = `${e.resumed ? 'resuming' : 'sweep'} ${e.model}: ${e.method}, ${e.trials} trials, ${e.parallel} at a time, ${goal} ${metric}${e.resumed ? ` (${e.finished} finished before)` : ''}\nsweep folder: ${shown(e.sweep)}`;
        if (tty) redraw();
        else out.write(`${header}\n`);
        break;
      case 'trialStarted': {
        const r = row(e.trial);
        r.params = e.params;
        r.status = 'running';
        if (tty) redraw();
        else out.write(`trial ${e.trial} started${e.attempt > 1 ? ` (again, attempt ${e.attempt})` : ''}: ${formatParams(e.params)}\n`);
        break;
      }
      case 'trialEpoch': {
        const r = row(e.trial);
        r.epoch = `${e.epoch}/${e.epochs}`;
        if (e.value !== null && (r.objective === null || (goal === 'maximize' ? e.value > r.objective : e.value < r.objective))) r.objective = e.value;
        redraw();
        break;
      }
      case 'trialStopping':
        row(e.trial).note = e.reason;
        if (tty) redraw();
        else out.write(`trial ${e.trial} stopping early: ${e.reason}\n`);
        break;
      case 'trialEnded': {
        const r = row(e.trial);
        r.status = e.status === 'stoppedEarly' ? 'stopped early' : e.status;
        r.params = e.params;
        r.objective = e.objective;
        if (e.error) r.note = e.error.split('\n')[0];
        if (tty) redraw();
        else out.write(`trial ${e.trial} ${r.status}${e.objective !== null ? `: ${metric} ${fmt(e.objective)}` : ''}${e.error ? `: ${e.error}` : ''}\n`);
        break;
      }
      case 'best':
        best = e.trial;
        if (tty) redraw();
        else out.write(`best so far: trial ${e.trial}, ${metric} ${fmt(e.objective)}\n`);
        break;
      case 'log':
        if (tty && drawn > 0) {
          // the message goes where the table was; the table is drawn again below it
          out.write(`\x1b[${drawn}A\x1b[0J`);
          drawn = 0;
        }
        (e.level === 'warn' ? err : out).write(`${e.level === 'warn' ? 'warning: ' : ''}${e.message}\n`);
        redraw();
        break;
      case 'done':
        done = e;
        break;
    }
  };

  try {
    const { runSweep } = await import('../sweep/runner');
    const resume = parsed.flags.has('resume') ? (parsed.values.get('sweep') ?? true) : undefined;
    const outcome = await runSweep({
      specPath, workspaceRoot: parsed.values.get('workspace'), runsDir: parsed.values.get('runs-dir'), resume, trials, parallel, backend,
      launcher, signal: controller.signal, onEvent,
    });
    if (drawTimer) {
      clearTimeout(drawTimer);
      draw();
    }
    if (!json) printResult(outcome.status, done?.best ?? null, done?.trials ?? [], metric);
    if (interrupted || outcome.status === 'stopped') return 130;
    return done?.best ? 0 : 1;
  } catch (e) {
    if (drawTimer) clearTimeout(drawTimer);
    if (json) {
      const problems = (e as { problems?: unknown }).problems;
      out.write(`${JSON.stringify({ event: 'error', message: e instanceof Error ? e.message : String(e), ...(Array.isArray(problems) ? { problems } : {}) })}\n`);
    }
    return reportStartError('sweep', e);
  } finally {
    process.removeListener('SIGINT', onStop);
    process.removeListener('SIGTERM', onStop);
    launcher.dispose?.();
  }

  function printResult(status: string, bestTrial: { run: string; params: Record<string, unknown>; metrics: Record<string, number> } | null, all: TrialSummary[], metricName: string): void {
    const count = (s: string) => all.filter((t) => t.status === s).length;
    out.write(`\nsweep ${status}: ${count('completed')} completed, ${count('stoppedEarly')} stopped early, ${count('failed')} failed${count('interrupted') ? `, ${count('interrupted')} interrupted (resume with --resume)` : ''}\n`);
    if (!bestTrial) {
      out.write('no trial finished with a value of the metric\n');
      return;
    }
    out.write(`best: ${shown(bestTrial.run)}\n  ${metricName} ${fmt(bestTrial.metrics[metricName])}\n`);
    for (const [k, v] of Object.entries(bestTrial.params)) out.write(`  ${k}: ${formatValue(v)}\n`);
    out.write(`compare: model-studio compare ${all.filter((t) => t.status === 'completed' || t.status === 'stoppedEarly').slice(0, 4).map((t) => shown(t.run)).join(' ')}\n`);
  }
}
