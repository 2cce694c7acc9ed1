import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { exists, metricsLines, newRunOf, readRun, runDirs, until } from '../world';

/** The engine of a training run is killed from outside (SIGKILL): the run is `failed`, says so, and the editor goes on. */
export const killEngine: Scenario = {
  name: 'kill the engine from outside: failed with an error; the workbench stays responsive',

  async workbench(w, wb) {
    const { page } = wb;
    await wb.closeAllEditors();
    await wb.openFile('long.model.yaml');
    const before = await runDirs(w, 'long');
    await wb.palette('Model Studio: Train Model');
    const runDir = await newRunOf(w, 'long', before);
    const pid = await until('training under way', async () => {
      const r = await readRun(runDir);
      return (await metricsLines(runDir)) >= 2 && r?.pid;
    }, 60_000);
    process.kill(pid, 'SIGKILL');
    await wb.showModels();
    await until('a failed run in the sidebar', async () => (await wb.treeRows()).some((t) => /failed/.test(t)), 30_000);
    const after = await until('run.json failed', async () => {
      const r = await readRun(runDir);
      return r?.status === 'failed' && r;
    }, 20_000);
    if (!/SIGKILL/.test(after.error?.message ?? '')) throw new Error(`run.json's error does not say what happened: ${JSON.stringify(after.error)}`);
    // the dashboard shows the failed run, its epochs and why; the status bar says it failed
    await wb.dashboardShows('failed', 100000);
    const error = await wb.dashboard().locator('[data-testid="run-error"]').textContent({ timeout: 20_000 });
    if (!/SIGKILL/.test(error ?? '')) throw new Error(`the dashboard's error does not say what happened: ${error}`);
    await until('the status bar saying failed', async () => /long · failed/.test(await wb.statusBarText()), 20_000);
    await page.locator('.notifications-toasts').filter({ hasText: 'training failed' }).first().waitFor({ timeout: 20_000 });
    // still responsive: a command runs and shows its result
    await wb.palette('Model Studio: Show Log');
    await page.locator('.output-view, .part.panel').filter({ hasText: 'ended unexpectedly' }).first().waitFor({ timeout: 20_000 });
    if (!(await exists(path.join(runDir, 'metrics.jsonl')))) throw new Error('metrics.jsonl was lost');
  },

  async api(w, vscode) {
    const before = await runDirs(w, 'long');
    await vscode.commands.executeCommand('modelStudio.train', vscode.Uri.file(path.join(w.ws, 'long.model.yaml')));
    const runDir = await newRunOf(w, 'long', before);
    const pid = await until('training under way', async () => {
      const r = await readRun(runDir);
      return (await metricsLines(runDir)) >= 1 && r?.pid;
    }, 60_000);
    process.kill(pid, 'SIGKILL');
    const after = await until('run.json failed', async () => {
      const r = await readRun(runDir);
      return r?.status === 'failed' && r;
    }, 60_000);
    if (!/SIGKILL/.test(after.error?.message ?? '')) throw new Error(`run.json's error does not say what happened: ${JSON.stringify(after.error)}`);
    // still responsive: a command runs
    await vscode.commands.executeCommand('modelStudio.showLog');
  },
};
