/**
 * The flagship example end to end: train examples/iris, serve the run, and send its rows the way
 * TF Serving and MLflow clients write them — arrays of raw numbers in feature order. iris.csv's
 * first row [5.1, 3.5, 1.4, 0.2] is setosa (it was answered versicolor when numeric arrays were
 * taken as already standardised).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { trainModelFile } from '../../../src/engine/session';
import { startServer, type RunningServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { irisWorkspace } from '../engine/fixtures';

const SETOSA = [5.1, 3.5, 1.4, 0.2]; // iris.csv row 2
const VIRGINICA = [6.3, 3.3, 6.0, 2.5]; // iris.csv row 102

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('serve: the iris example with numeric row arrays', () => {
  const ws = irisWorkspace((y) => y.replace(/backend: \w+/, 'backend: cpu'));
  let server: RunningServer;

  before(async () => {
    const outcome = await trainModelFile({ specPath: ws.modelFile, runsDir: ws.runsDir, epochs: 40, onEvent: () => undefined });
    assert.equal(outcome.status, 'completed');
    server = await startServer({ dir: outcome.runDir, port: 0, tf: await loadTf() });
  });
  after(async () => {
    await server?.close();
    rmSync(ws.dir, { recursive: true, force: true });
  });

  it('TF Serving instances / inputs and MLflow instances / inputs / split frame: setosa and virginica', async () => {
    const tf = `${server.url}/v1/models/iris:predict`;
    const mlflow = `${server.url}/invocations`;
    const labels = (rows: unknown): string[] => (rows as Array<{ label: string }>).map((p) => p.label);
    const rows = [SETOSA, VIRGINICA];
    const answers = [
      await post(tf, { instances: rows }).then((r) => labels(r.json.predictions)),
      await post(tf, { signature_name: 'serving_default', instances: rows }).then((r) => labels(r.json.predictions)),
      await post(tf, { inputs: rows }).then((r) => (r.json.outputs as { label: string[] }).label),
      await post(mlflow, { instances: rows }).then((r) => labels(r.json.predictions)),
      await post(mlflow, { inputs: rows }).then((r) => labels(r.json.predictions)),
      await post(mlflow, { dataframe_split: { data: rows } }).then((r) => labels(r.json.predictions)),
      await post(tf, { instances: rows.map(([sepal_length, sepal_width, petal_length, petal_width]) => ({ sepal_length, sepal_width, petal_length, petal_width })) }).then((r) => labels(r.json.predictions)),
    ];
    for (const a of answers) assert.deepEqual(a, ['setosa', 'virginica']);
  });

  it('the same numbers with signature_name "encoded" are the standardised values, which is another flower', async () => {
    const r = await post(`${server.url}/v1/models/iris:predict`, { signature_name: 'encoded', instances: [SETOSA] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.notEqual((r.json.predictions as Array<{ label: string }>)[0].label, 'setosa');
  });
});
