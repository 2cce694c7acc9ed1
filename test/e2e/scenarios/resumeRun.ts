import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { exists, newRunOf, readRun, runDirs, until, type World } from '../world';
import { runLabel } from '../../../src/views/runList';

/** The epoch numbers in a run's metrics.jsonl before and after its (first) resume marker. */
async function metrics(runDir: string): Promise<{ epochs: number[]; after: number[]; resumes: number }> {
  const lines = (await fsp.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const out = { epochs: [] as number[], after: [] as number[], resumes: 0 };
  for (const l of lines) {
    let e: { event?: string; epoch?: number };
    try {
      e = JSON.parse(l) as typeof e;
    } catch {
      continue;
    }
    if (e.event === 'resume') out.resumes += 1;
    else if (e.event === 'epoch') (out.resumes > 0 ? out.after : out.epochs).push(Number(e.epoch));
  }
  return out;
}

/** How many runs of the workspace Resume Run offers (stopped or failed). */
async function resumable(w: World): Promise<number> {
  let n = 0;
  for (const model of await fsp.readdir(path.join(w.ws, 'runs')).catch(() => [] as string[])) {
    for (const dir of await runDirs(w, model)) {
      const status = (await readRun(dir))?.status;
      if (status === 'stopped' || status === 'failed') n += 1;
    }
  }
  return n;
}

/** A long run, trained a few epochs and stopped (its resume checkpoint written): the run folder and its last epoch. */
async function stoppedRun(w: World, start: () => Promise<void>, stop: () => Promise<void>): Promise<{ runDir: string; lastEpoch: number }> {
  const before = await runDirs(w, 'long');
  await start();
  const runDir = await newRunOf(w, 'long', before);
  await until('three epochs', async () => (await metrics(runDir)).epochs.length >= 3, 60_000);
  await stop();
  await until('run.json stopped', async () => (await readRun(runDir))?.status === 'stopped', 60_000);
  if (!(await exists(path.join(runDir, 'checkpoints', 'resume', 'state.json')))) throw new Error(`no resume checkpoint in ${runDir}`);
  return { runDir, lastEpoch: Math.max(...(await metrics(runDir)).epochs) };
}

/** After Resume: the same folder trains on from the next epoch, with a resume marker, and stops again. */
async function expectResumed(runDir: string, lastEpoch: number, stop: () => Promise<void>): Promise<void> {
  await until('training again in the same folder', async () => {
    const m = await metrics(runDir);
    return m.resumes === 1 && m.after.length >= 2;
  }, 90_000);
  // the resumed run goes on from the epoch after the last one it finished, not from the start
  const { after } = await metrics(runDir);
  if (after[0] !== lastEpoch + 1) throw new Error(`the resumed run's first epoch is ${after[0]}, not ${lastEpoch + 1}`);
  await stop();
  const record = await until('run.json stopped again', async () => {
    const r = await readRun(runDir);
    return r?.status === 'stopped' && r;
  }, 60_000);
  if ((record.resumes?.length ?? 0) !== 1) throw new Error(`run.json records ${record.resumes?.length ?? 0} resumes, not 1`);
}

/** long.model.yaml stopped after a few epochs, then "Resume Run": it continues in its own folder. */
export const resumeRun: Scenario = {
  name: 'Resume Run: a stopped run continues in its folder from where it stopped',

  async workbench(w, wb) {
    await wb.openFile('long.model.yaml');
    const { runDir, lastEpoch } = await stoppedRun(w, () => wb.palette('Model Studio: Train Model'), () => wb.palette('Model Studio: Stop Training'));
    const choices = await resumable(w);
    await wb.palette('Model Studio: Resume Run');
    // other scenarios leave stopped runs: with more than one to choose from, the picker lists model · start time
    if (choices > 1) await wb.pickRow(`long · ${runLabel(path.basename(runDir))}`);
    const status = wb.dashboard().locator('[data-testid="status"]');
    await until('the dashboard says running', async () => (await status.textContent()) === 'running', 60_000);
    await expectResumed(runDir, lastEpoch, () => wb.palette('Model Studio: Stop Training'));
    await wb.showModels();
    await until('a stopped run in the sidebar', async () => (await wb.treeRows()).some((t) => /stopped/.test(t)), 30_000);
  },

  async api(w, vscode) {
    const file = vscode.Uri.file(path.join(w.ws, 'long.model.yaml'));
    const { runDir, lastEpoch } = await stoppedRun(
      w,
      async () => void (await vscode.commands.executeCommand('modelStudio.train', file)),
      async () => void (await vscode.commands.executeCommand('modelStudio.stopTraining', file)),
    );
    const node = { kind: 'run', model: { kind: 'model', name: 'long', specPath: file.fsPath, uri: file }, entry: { runDir, runId: path.basename(runDir), modelName: 'long', status: 'stopped', specPath: file.fsPath } };
    await vscode.commands.executeCommand('modelStudio.resumeRun', node);
    await expectResumed(runDir, lastEpoch, async () => void (await vscode.commands.executeCommand('modelStudio.stopTraining', file)));
  },
};
