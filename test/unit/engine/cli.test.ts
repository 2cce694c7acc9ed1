import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { observedStatus, readMetricsLog, readRunRecord } from '../../../src/engine/run';
import { loadSavedModel } from '../../../src/engine/saved';
import { irisWorkspace, longTraining, REPO } from './fixtures';

const CLI = path.join(REPO, 'src', 'cli.ts');

function cli(args: string[], _cwd: string): { child: ChildProcess; lines: string[]; stderr: () => string; exited: Promise<number | null>; waitFor: (pred: (line: string) => boolean) => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const lines: string[] = [];
  let err = '';
  let buf = '';
  const waiters: Array<{ pred: (l: string) => boolean; resolve: (l: string) => void }> = [];
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    }
  });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? null : code)));
  const waitFor = (pred: (line: string) => boolean) => new Promise<string>((resolve, reject) => {
    const hit = lines.find(pred);
    if (hit) return resolve(hit);
    waiters.push({ pred, resolve });
    exited.then((code) => reject(new Error(`CLI exited (${code}) before the expected line; stderr:\n${err}\nstdout:\n${lines.join('\n')}`)));
  });
  return { child, lines, stderr: () => err, exited, waitFor };
}

const event = (name: string, extra: (o: Record<string, unknown>) => boolean = () => true) => (line: string) => {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    return o.event === name && extra(o);
  } catch {
    return false;
  }
};

test('train --json: one JSON object per line, last the done summary with test metrics', async () => {
  const ws = irisWorkspace();
  const run = cli(['train', ws.modelFile, '--epochs', '3', '--backend', 'cpu', '--runs-dir', ws.runsDir, '--json'], ws.dir);
  assert.equal(await run.exited, 0, run.stderr());
  const objs = run.lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  // reading the data comes first: progress of each pass, then the run starts
  assert.equal(objs[0].event, 'dataProgress');
  const started = objs.findIndex((o) => o.event === 'runStarted');
  assert.ok(started > 0 && objs.slice(0, started).some((o) => o.event === 'dataProgress' && o.pass === 2 && o.rows === 150));
  assert.ok(objs.some((o) => o.event === 'epochEnded'));
  const done = objs[objs.length - 1];
  assert.equal(done.event, 'done');
  assert.equal(done.status, 'completed');
  assert.equal(done.backend, 'cpu');
  assert.ok(fs.existsSync(path.join(done.run as string, 'run.json')));
  const metrics = done.metrics as Record<string, number>;
  for (const k of ['accuracy', 'macroF1']) assert.equal(typeof metrics[k], 'number', k);
});

test('an invalid model file exits 2 with FILE:LINE:COL: error: MESSAGE', async () => {
  const ws = irisWorkspace((y) => y.replace('type: adam,', 'type: adamm,'));
  const run = cli(['train', ws.modelFile, '--runs-dir', ws.runsDir], ws.dir);
  assert.equal(await run.exited, 2);
  assert.match(run.stderr(), /iris\.model\.yaml:\d+:\d+: error: .*adamm/);
  assert.equal(fs.existsSync(ws.runsDir), false);
  const usage = cli(['train'], ws.dir);
  assert.equal(await usage.exited, 2);
});

test('Ctrl-C stops cooperatively: exit 130, run.json says stopped, best checkpoint kept', async () => {
  const ws = irisWorkspace(longTraining);
  const run = cli(['train', ws.modelFile, '--runs-dir', ws.runsDir, '--json'], ws.dir);
  const saved = JSON.parse(await run.waitFor(event('checkpointSaved'))) as { path: string };
  await run.waitFor(event('epochEnded', (o) => (o.epoch as number) >= 2));
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 130, run.stderr());
  const runDir = path.dirname(path.dirname(saved.path));
  assert.equal(readRunRecord(runDir).status, 'stopped');
  const done = JSON.parse(run.lines[run.lines.length - 1]) as Record<string, unknown>;
  assert.equal(done.status, 'stopped');
  await loadSavedModel(path.join(runDir, 'checkpoints', 'best'), { backend: 'cpu' });
});

test('kill -9 mid-training: metrics.jsonl parses line by line and the best checkpoint loads', async () => {
  const ws = irisWorkspace(longTraining);
  const run = cli(['train', ws.modelFile, '--runs-dir', ws.runsDir, '--json'], ws.dir);
  const started = JSON.parse(await run.waitFor(event('runStarted'))) as { runDir: string };
  await run.waitFor(event('checkpointSaved', (o) => (o.epoch as number) >= 3));
  run.child.kill('SIGKILL');
  assert.equal(await run.exited, null);
  const text = fs.readFileSync(path.join(started.runDir, 'metrics.jsonl'), 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  assert.ok(lines.length > 3);
  for (const line of lines) JSON.parse(line); // every line written so far is whole
  assert.ok(readMetricsLog(started.runDir).filter((l) => l.event === 'epoch').length >= 3);
  assert.equal(readRunRecord(started.runDir).status, 'running'); // nobody was left to say otherwise
  assert.equal(observedStatus(readRunRecord(started.runDir)), 'crashed');
  const loaded = await loadSavedModel(path.join(started.runDir, 'checkpoints', 'best'), { backend: 'cpu' });
  assert.deepEqual(loaded.model.outputs[0].shape, [null, 3]);
  // evaluate says what the run really is, not "running"
  const ev = cli(['evaluate', started.runDir, '--backend', 'cpu'], ws.dir);
  assert.equal(await ev.exited, 0, ev.stderr());
  assert.match(ev.lines.join('\n'), /^run: crashed \(process gone\)/m);
  const evJson = cli(['evaluate', started.runDir, '--backend', 'cpu', '--json'], ws.dir);
  assert.equal(await evJson.exited, 0, evJson.stderr());
  assert.equal((JSON.parse(evJson.lines[evJson.lines.length - 1]) as { runStatus: string }).runStatus, 'crashed');
});

test('evaluate and predict on a trained run', async () => {
  const ws = irisWorkspace();
  const train = cli(['train', ws.modelFile, '--epochs', '20', '--backend', 'cpu', '--runs-dir', ws.runsDir, '--json'], ws.dir);
  assert.equal(await train.exited, 0, train.stderr());
  const runDir = (JSON.parse(train.lines[train.lines.length - 1]) as { run: string }).run;
  fs.rmSync(path.join(runDir, 'report.json'));
  const ev = cli(['evaluate', runDir, '--backend', 'cpu', '--json'], ws.dir);
  assert.equal(await ev.exited, 0, ev.stderr());
  const summary = JSON.parse(ev.lines[ev.lines.length - 1]) as { metrics: Record<string, number>; split: string };
  assert.equal(summary.split, 'test');
  assert.equal(typeof summary.metrics.accuracy, 'number');
  assert.ok(fs.existsSync(path.join(runDir, 'report.json')));

  const bare = cli(['evaluate', path.join(runDir, 'model'), '--data', path.join(ws.dir, 'iris.csv'), '--backend', 'cpu', '--json'], ws.dir);
  assert.equal(await bare.exited, 0, bare.stderr());
  const all = JSON.parse(bare.lines[bare.lines.length - 1]) as { n: number; run: string | null };
  assert.equal(all.n, 150);
  assert.equal(all.run, null);
  const noData = cli(['evaluate', path.join(runDir, 'model'), '--backend', 'cpu'], ws.dir);
  assert.equal(await noData.exited, 2);
  assert.match(noData.stderr(), /give the data to evaluate on with --data FILE/);

  const input = path.join(ws.dir, 'some.jsonl');
  fs.writeFileSync(input, '{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}\n{"sepal_length":6.7,"sepal_width":3.0,"petal_length":5.2,"petal_width":2.3}\n');
  const pr = cli(['predict', path.join(runDir, 'model'), input, '--backend', 'cpu', '--json'], ws.dir);
  assert.equal(await pr.exited, 0, pr.stderr());
  const preds = pr.lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as { label: string; probabilities: Record<string, number> });
  assert.equal(preds.length, 2);
  assert.equal(preds[0].label, 'setosa');
  assert.equal(preds[1].label, 'virginica');
});

test('evaluate RUN --data OTHER leaves the run report alone and labels the new one with the data file', async () => {
  const ws = irisWorkspace();
  const train = cli(['train', ws.modelFile, '--epochs', '3', '--backend', 'cpu', '--runs-dir', ws.runsDir, '--json'], ws.dir);
  assert.equal(await train.exited, 0, train.stderr());
  const runDir = (JSON.parse(train.lines[train.lines.length - 1]) as { run: string }).run;
  const before = { json: fs.readFileSync(path.join(runDir, 'report.json'), 'utf8'), md: fs.readFileSync(path.join(runDir, 'report.md'), 'utf8') };
  const other = path.join(ws.dir, 'setosa.csv');
  const lines = fs.readFileSync(path.join(ws.dir, 'iris.csv'), 'utf8').split('\n');
  fs.writeFileSync(other, [lines[0], ...lines.slice(1).filter((l) => l.includes('setosa')).slice(0, 10)].join('\n') + '\n');
  const ev = cli(['evaluate', runDir, '--data', other, '--backend', 'cpu', '--json'], ws.dir);
  assert.equal(await ev.exited, 0, ev.stderr());
  const done = JSON.parse(ev.lines[ev.lines.length - 1]) as { n: number; split: unknown; data: string; report: string };
  assert.equal(done.n, 10);
  assert.equal(done.split, null);
  assert.equal(done.data, other);
  assert.equal(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8'), before.json);
  assert.equal(fs.readFileSync(path.join(runDir, 'report.md'), 'utf8'), before.md);
  assert.equal(path.dirname(done.report), path.join(runDir, 'reports'));
  assert.match(path.basename(done.report), /^setosa\.csv-.*\.json$/);
  const written = JSON.parse(fs.readFileSync(done.report, 'utf8')) as { data: string; n: number; split: unknown };
  assert.equal(written.data, other);
  assert.equal(written.n, 10);
  const md = fs.readFileSync(done.report.replace(/\.json$/, '.md'), 'utf8');
  assert.match(md, /Data: \*\*setosa\.csv\*\*/);
  assert.doesNotMatch(md, /Split: \*\*test\*\*/);
  const text = cli(['evaluate', runDir, '--data', other, '--backend', 'cpu'], ws.dir);
  assert.equal(await text.exited, 0, text.stderr());
  assert.match(text.lines.join('\n'), /report on .*setosa\.csv \(10 samples\)/);
  assert.doesNotMatch(text.lines.join('\n'), /test split/);
});

test('train names the split its report is on (evaluate.split: validation)', async () => {
  const ws = irisWorkspace((y) => y.replace(/split: test /, 'split: validation '));
  const run = cli(['train', ws.modelFile, '--epochs', '2', '--backend', 'cpu', '--runs-dir', ws.runsDir], ws.dir);
  assert.equal(await run.exited, 0, run.stderr());
  const text = run.lines.join('\n');
  assert.match(text, /report on the validation split:/);
  assert.doesNotMatch(text, /test split/);
});

test('predict: a JSON array prints record numbers; a bad value names the file, the row and a hint; a missing input says so', async () => {
  const ws = irisWorkspace();
  const train = cli(['train', ws.modelFile, '--epochs', '3', '--backend', 'cpu', '--runs-dir', ws.runsDir, '--json'], ws.dir);
  assert.equal(await train.exited, 0, train.stderr());
  const model = path.join((JSON.parse(train.lines[train.lines.length - 1]) as { run: string }).run, 'model');
  const rec = '{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}';
  const arr = path.join(ws.dir, 'three.json');
  fs.writeFileSync(arr, `[${rec},${rec},${rec}]\n`);
  const pr = cli(['predict', model, arr, '--backend', 'cpu'], ws.dir);
  assert.equal(await pr.exited, 0, pr.stderr());
  assert.deepEqual(pr.lines.filter((l) => l.trim()).map((l) => l.trim().split(/\s+/)[0]), ['1', '2', '3']);

  const bad = path.join(ws.dir, 'bad.csv');
  fs.writeFileSync(bad, 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n"1,234",3.5,1.4,0.2\n');
  const e1 = cli(['predict', model, bad, '--backend', 'cpu'], ws.dir);
  assert.equal(await e1.exited, 2);
  assert.match(e1.stderr(), /bad\.csv:3: feature 'sepal_length' must be a number, got "1,234" \(it looks like a number with thousands separators: write 1234\)/);
  assert.doesNotMatch(e1.stderr(), /instance \d/);

  const badJson = path.join(ws.dir, 'bad.json');
  fs.writeFileSync(badJson, `[${rec},${rec.replace('5.1', '"2,5"')}]`);
  const e2 = cli(['predict', model, badJson, '--backend', 'cpu'], ws.dir);
  assert.equal(await e2.exited, 2);
  assert.match(e2.stderr(), /bad\.json: record 2: feature 'sepal_length' must be a number, got "2,5" \(it looks like a number with a decimal comma: write 2\.5\)/);

  const none = cli(['predict', model, path.join(ws.dir, 'nope.csv')], ws.dir);
  assert.equal(await none.exited, 2);
  assert.match(none.stderr(), /nope\.csv: no such file \(the input to predict on/);
  const noDir = cli(['evaluate', path.join(ws.dir, 'nothing-here')], ws.dir);
  assert.equal(await noDir.exited, 2);
  assert.match(noDir.stderr(), /nothing-here: no such folder/);
});

test('train --resume: a run stopped by SIGTERM and one killed with -9 both end with the test metrics of the uninterrupted run', async () => {
  const edit = (y: string) => y.replace(/epochs: \d+/, 'epochs: 12').replace(/^\s*earlyStopping:.*$/m, '').replace(/backend: \w+/, 'backend: cpu');
  const ws = irisWorkspace(edit);
  const doneLine = (r: ReturnType<typeof cli>) => JSON.parse(r.lines[r.lines.length - 1]) as { event: string; status: string; run: string; metrics: Record<string, number> };
  const straight = cli(['train', ws.modelFile, '--runs-dir', ws.runsDir, '--json'], ws.dir);
  assert.equal(await straight.exited, 0, straight.stderr());
  const want = doneLine(straight).metrics;

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const run = cli(['train', ws.modelFile, '--runs-dir', ws.runsDir, '--json'], ws.dir);
    const started = JSON.parse(await run.waitFor(event('runStarted'))) as { runDir: string };
    await run.waitFor(event('epochEnded', (o) => (o.epoch as number) >= 3));
    run.child.kill(signal);
    assert.equal(await run.exited, signal === 'SIGTERM' ? 130 : null, run.stderr());
    if (signal === 'SIGTERM') {
      assert.equal(doneLine(run).status, 'stopped');
      assert.equal(readRunRecord(started.runDir).status, 'stopped');
    }
    assert.ok(fs.existsSync(path.join(started.runDir, 'checkpoints', 'resume', 'state.json')), `${signal}: a resume checkpoint is there`);
    const resumed = cli(['train', '--resume', started.runDir, '--json'], ws.dir);
    assert.equal(await resumed.exited, 0, resumed.stderr());
    const done = doneLine(resumed);
    assert.equal(done.status, 'completed');
    assert.equal(done.run, started.runDir);
    assert.deepEqual(done.metrics, want, `${signal}: resumed metrics differ from the uninterrupted run`);
    assert.ok(resumed.lines.some(event('runStarted', (o) => typeof (o.resumed as { epoch?: number } | undefined)?.epoch === 'number')));
    assert.equal(readMetricsLog(started.runDir).filter((l) => l.event === 'epoch').length, 12);
  }
  const again = cli(['train', '--resume', doneLine(straight).run], ws.dir);
  assert.equal(await again.exited, 2);
  assert.match(again.stderr(), /has completed: there is nothing to resume/);
  const both = cli(['train', ws.modelFile, '--resume', doneLine(straight).run], ws.dir);
  assert.equal(await both.exited, 2);
  assert.match(both.stderr(), /--resume continues a run folder/);
});
