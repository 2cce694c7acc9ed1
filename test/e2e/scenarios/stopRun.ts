import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { cli, exists, metricsLines, newRunOf, readRun, runDirs, until, type World } from '../world';

/** The best checkpoint of a stopped run loads and predicts a class of points.csv. */
function expectCheckpointPredicts(w: World, runDir: string): void {
  const out = cli(w, ['predict', path.join(runDir, 'checkpoints', 'best'), path.join(w.ws, 'points.csv'), '--json', '--backend', 'cpu']);
  if (out.status !== 0) throw new Error(`the checkpoint does not load: ${out.stderr || out.stdout}`);
  const first = JSON.parse(out.stdout.split('\n')[0]) as { label?: unknown };
  if (typeof first.label !== 'string' || !['yes', 'no'].includes(first.label)) throw new Error(`the checkpoint predicts nonsense: ${out.stdout.slice(0, 200)}`);
}

/** long.model.yaml would train for 100,000 epochs: stopped after a checkpoint, the run is `stopped` and the checkpoint loads. */
export const stopRun: Scenario = {
  name: 'stop a long run: stopped, and its checkpoint loads',

  async workbench(w, wb) {
    // this run's dashboard is the only webview on the page (the frame locator finds it, not an older one)
    await wb.closeAllEditors();
    await wb.openFile('long.model.yaml');
    const before = await runDirs(w, 'long');
    await wb.palette('Model Studio: Train Model');
    const runDir = await newRunOf(w, 'long', before);
    await until('a few epochs in metrics.jsonl', async () => (await metricsLines(runDir)) >= 3, 60_000);
    await until('a checkpoint', () => exists(path.join(runDir, 'checkpoints', 'best', 'model.json')), 30_000);
    await until('the status bar following the run', async () => /long · epoch \d+\/100000/.test(await wb.statusBarText()), 30_000);
    await wb.palette('Model Studio: Stop Training');
    await wb.showModels();
    await until('a stopped run in the sidebar', async () => (await wb.treeRows()).some((t) => /stopped/.test(t)), 60_000);
    const record = await until('run.json stopped', async () => {
      const r = await readRun(runDir);
      return r?.status === 'stopped' && r;
    }, 20_000);
    // the dashboard shows the stopped run, with the epoch it stopped at; the status bar says so too
    const shown = await wb.dashboardShows('stopped', 100000);
    if (shown !== record.epochs?.completed) throw new Error(`the dashboard shows epoch ${shown}, run.json says ${record.epochs?.completed} were completed`);
    await until('the status bar saying stopped', async () => new RegExp(`long · stopped at epoch ${shown}/100000`).test(await wb.statusBarText()), 20_000);
    expectCheckpointPredicts(w, runDir);
  },

  async api(w, vscode) {
    const file = vscode.Uri.file(path.join(w.ws, 'long.model.yaml'));
    const before = await runDirs(w, 'long');
    await vscode.commands.executeCommand('modelStudio.train', file);
    const runDir = await newRunOf(w, 'long', before);
    await until('a checkpoint', () => exists(path.join(runDir, 'checkpoints', 'best', 'model.json')), 60_000);
    await vscode.commands.executeCommand('modelStudio.stopTraining', file);
    await until('run.json stopped', async () => (await readRun(runDir))?.status === 'stopped', 60_000);
    expectCheckpointPredicts(w, runDir);
  },
};
