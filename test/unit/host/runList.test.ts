import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { formatDuration, headlineMetric, listRuns, modelNameOf, runDescription, runLabel, runTooltip } from '../../../src/views/runList';

async function runsFixture(): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-runs-'));
  const write = async (id: string, record: unknown) => {
    await fsp.mkdir(path.join(dir, 'iris', id), { recursive: true });
    await fsp.writeFile(path.join(dir, 'iris', id, 'run.json'), typeof record === 'string' ? record : JSON.stringify(record));
  };
  await write('2026-11-29T10-00-00-000Z', { runId: '2026-11-29T10-00-00-000Z', modelName: 'iris', status: 'completed', durationMs: 83_000, metrics: { loss: 0.2, accuracy: 0.9667 }, pid: 1 });
  await write('2026-11-29T11-00-00-000Z', { runId: '2026-11-29T11-00-00-000Z', modelName: 'iris', status: 'running', pid: 999_999_999, startedAt: '2026-11-29T11:00:00.000Z' });
  await write('2026-11-29T09-00-00-000Z', { runId: '2026-11-29T09-00-00-000Z', modelName: 'iris', status: 'stopped', best: { epoch: 3, monitor: 'val_loss', value: 0.25 } });
  await write('2026-11-29T08-00-00-000Z', '{"status": "runn');
  await fsp.mkdir(path.join(dir, 'iris', 'not-a-run'), { recursive: true });
  return dir;
}

describe('listRuns', () => {
  it('lists runs newest first, skips folders without run.json, and reads each status', async () => {
    const dir = await runsFixture();
    const runs = await listRuns(dir, 'iris', () => false, () => false);
    assert.deepEqual(runs.map((r) => r.runId), ['2026-11-29T11-00-00-000Z', '2026-11-29T10-00-00-000Z', '2026-11-29T09-00-00-000Z', '2026-11-29T08-00-00-000Z']);
    assert.equal(runs[1].status, 'completed');
    assert.match(runs[3].unreadable ?? '', /not valid JSON/);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('shows a "running" run whose engine is gone as failed, and a live one as running', async () => {
    const dir = await runsFixture();
    const orphan = (await listRuns(dir, 'iris', () => false, () => false))[0];
    assert.equal(orphan.status, 'failed');
    assert.match(orphan.error ?? '', /engine ended without finishing/);
    const live = (await listRuns(dir, 'iris', (d) => d.endsWith('11-00-00-000Z'), () => false))[0];
    assert.equal(live.status, 'running');
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('a model without runs has none', async () => {
    assert.deepEqual(await listRuns(os.tmpdir(), 'no-such-model-here', () => false), []);
  });
});

describe('run descriptions', () => {
  const entry = { runDir: '/r/iris/2026-11-29T10-00-00-000Z', runId: '2026-11-29T10-00-00-000Z', modelName: 'iris', status: 'completed' as const, durationMs: 83_000, metrics: { loss: 0.2, accuracy: 0.96667 } };

  it('puts status, headline metric and duration in the description', () => {
    assert.equal(runDescription(entry), 'completed · accuracy 0.967 · 1m 23s');
    assert.equal(runDescription({ ...entry, status: 'running' }, { epoch: 3, epochs: 20, loss: 0.51234 }), 'running · epoch 3/20 · loss 0.512');
  });

  it('falls back to the best monitored value', () => {
    assert.deepEqual(headlineMetric({ best: { epoch: 2, monitor: 'val_loss', value: 0.3 } }), { name: 'val_loss', value: 0.3 });
    assert.equal(headlineMetric({}), undefined);
  });

  it('labels and tooltips read like a person wrote them', () => {
    assert.equal(runLabel('2026-11-29T10-57-13-123Z'), '2026-11-29 10:57:13');
    assert.equal(formatDuration(3_725_000), '1h 02m');
    const tip = runTooltip({ ...entry, status: 'failed', error: 'out of memory' });
    assert.match(tip, /Status: \*\*failed\*\*/);
    assert.match(tip, /Error: out of memory/);
  });

  it('names the model as the engine will: name:, else the file name', () => {
    assert.equal(modelNameOf({ name: 'iris' }, '/w/x.model.yaml'), 'iris');
    assert.equal(modelNameOf(undefined, '/w/cars.model.json'), 'cars');
  });
});

describe('runs on a SLURM target', () => {
  it('a queued run shows its job, target and SLURM\'s reason; a running job is not judged by a local pid; the job log is found', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-runs-'));
    const write = async (id: string, record: unknown) => {
      await fsp.mkdir(path.join(dir, 'iris', id), { recursive: true });
      await fsp.writeFile(path.join(dir, 'iris', id, 'run.json'), JSON.stringify(record));
    };
    const slurm = (extra: object) => ({ jobId: '77', output: 'slurm-77.out', script: 'slurm-job.sh', submittedAt: '2026-11-29T10:00:00.000Z', ...extra });
    await write('2026-11-29T10-00-00-000Z', { runId: '2026-11-29T10-00-00-000Z', modelName: 'iris', status: 'queued', target: 'gpu-cluster', slurm: slurm({ state: 'PENDING', reason: 'Resources' }) });
    // a pid on the job's node, dead here: still running (SLURM, not this machine, says when it is over)
    await write('2026-11-29T11-00-00-000Z', { runId: '2026-11-29T11-00-00-000Z', modelName: 'iris', status: 'running', pid: 999_999_999, target: 'gpu-cluster', slurm: slurm({ arrayTaskId: 3, output: '../../sweeps/s1/logs/trial-003.log' }) });
    const [running, queued] = await listRuns(dir, 'iris', () => false, () => false);
    assert.equal(queued.status, 'queued');
    assert.deepEqual(queued.job, { key: '77', target: 'gpu-cluster', log: path.join(dir, 'iris', '2026-11-29T10-00-00-000Z', 'slurm-77.out'), state: 'PENDING', reason: 'Resources' });
    assert.equal(runDescription(queued), 'queued · SLURM job 77 on gpu-cluster · Resources');
    assert.match(runTooltip(queued), /SLURM job: 77 on target gpu-cluster \(PENDING, Resources\)/);
    assert.equal(running.status, 'running');
    assert.equal(running.job?.key, '77_3');
    assert.equal(running.job?.log, path.join(dir, 'sweeps', 's1', 'logs', 'trial-003.log'));
    await fsp.rm(dir, { recursive: true, force: true });
  });
});
