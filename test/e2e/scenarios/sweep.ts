import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { until } from '../world';

interface SweepJson { status: string; trials: Array<{ index: number; status: string; objective?: number }>; best?: { trial: number; objective: number } }

/** The newest sweep folder of sweep.model.yaml's model (`sweepy`) and its sweep.json. */
async function newestSweep(ws: string): Promise<{ dir: string; json: SweepJson } | undefined> {
  const root = path.join(ws, 'runs', 'sweepy', 'sweeps');
  const names = (await fsp.readdir(root).catch(() => [] as string[])).sort();
  const dir = names.length ? path.join(root, names[names.length - 1]) : undefined;
  if (!dir) return undefined;
  try {
    return { dir, json: JSON.parse(await fsp.readFile(path.join(dir, 'sweep.json'), 'utf8')) as SweepJson };
  } catch {
    return undefined;
  }
}

const FINISHED = ['completed', 'stoppedEarly', 'failed'];

/** sweep.model.yaml: 4 tiny trials, 2 at a time, from the palette; the dashboard fills and marks the best. */
export const sweep: Scenario = {
  name: 'sweep: 4 trials fill the sweep dashboard, the best marked; sweep.json agrees',

  async workbench(w, wb) {
    const { page, resultsDir } = wb;
    await wb.closeAllEditors();
    await wb.openFile('sweep.model.yaml');
    await wb.palette('Model Studio: Run Sweep');
    const frame = wb.dashboard();
    const rows = frame.locator('[data-testid="trial-row"]');
    await until('the first trials in the table', async () => (await rows.count()) >= 1, 90_000);
    const running = path.join(resultsDir, 'sweep-running.png');
    await page.screenshot({ path: running });
    w.log(`  screenshot: ${running}`);
    await until('4 finished trials', async () => {
      const statuses = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
      return statuses.length === 4 && statuses.every((s) => FINISHED.includes(s ?? ''));
    }, 240_000, 250);
    await until('the sweep completed', async () => (await frame.locator('[data-testid="sweep-status"]').textContent()) === 'completed', 30_000);
    const best = frame.locator('[data-testid="trial-row"][data-best="true"]');
    await until('a best trial marked', async () => (await best.count()) === 1, 10_000);
    const shown = Number(await best.getAttribute('data-trial'));
    const onDisk = await until('sweep.json completed', async () => {
      const s = await newestSweep(w.ws);
      return s?.json.status === 'completed' && s;
    }, 20_000);
    if (onDisk.json.trials.length !== 4) throw new Error(`sweep.json lists ${onDisk.json.trials.length} trials, not 4`);
    if (onDisk.json.best?.trial !== shown) throw new Error(`the dashboard marks trial ${shown}, sweep.json says ${onDisk.json.best?.trial}`);
    // the parallel-coordinates plot draws a line per finished trial with a value
    const lines = Number(await frame.locator('[data-testid="parallel-coordinates"] svg').getAttribute('data-lines'));
    const withValue = onDisk.json.trials.filter((t) => t.objective !== undefined && t.status !== 'failed').length;
    if (lines !== withValue) throw new Error(`the parallel-coordinates plot has ${lines} lines, ${withValue} trials have a value`);
    const end = path.join(resultsDir, 'sweep-done.png');
    await page.screenshot({ path: end });
    w.log(`  screenshot: ${end}`);
    await frame.locator('[data-testid="parallel-coordinates"]').evaluate((e) => e.scrollIntoView({ block: 'center' }));
    const pc = path.join(resultsDir, 'sweep-parallel-coordinates.png');
    await page.screenshot({ path: pc });
    w.log(`  screenshot: ${pc}`);
    // Write Best Values Into the Model File: one edit in the editor, saved to disk; Undo takes it back
    const file = path.join(w.ws, 'sweep.model.yaml');
    const original = await fsp.readFile(file, 'utf8');
    const bestParams = (JSON.parse(await fsp.readFile(path.join(onDisk.dir, 'sweep.json'), 'utf8')) as { trials: Array<{ index: number; params: Record<string, number> }> }).trials.find((t) => t.index === shown)?.params ?? {};
    await frame.locator('[data-testid="btn-writeBest"]').click();
    await page.locator('.tabs-container .tab.active[aria-label*="sweep.model.yaml"]').waitFor({ timeout: 20_000 });
    // save with the keys a person presses (the palette's "File: Save" row has look-alikes: Save As…, Save All)
    await page.locator('.monaco-editor .view-lines').first().click();
    const written = await until('the best values saved in the model file', async () => {
      const text = await fsp.readFile(file, 'utf8');
      if (text !== original) return text;
      await page.keyboard.press('Control+s');
      return false;
    }, 30_000, 500);
    const lr = bestParams['train.optimizer.learningRate'];
    const units = bestParams['model.layers.0.units'];
    if (!written.includes(`learningRate: ${lr}`) || !written.includes(`units: ${units}`)) throw new Error(`the model file does not hold trial ${shown}'s values (lr ${lr}, units ${units}):\n${written}`);
    if (!written.includes('# quick.model.yaml with a sweep: section')) throw new Error('the comments of the model file were lost');
    const edited = path.join(resultsDir, 'sweep-best-written.png');
    await page.screenshot({ path: edited });
    w.log(`  screenshot: ${edited}`);
    // Undo in the editor (the keys a person presses), then save again: the file is as it was
    await page.locator('.monaco-editor .view-lines').first().click();
    await until('the model file as it was after Undo', async () => {
      if ((await fsp.readFile(file, 'utf8')) === original) return true;
      await page.keyboard.press('Control+z');
      await page.keyboard.press('Control+s');
      return false;
    }, 20_000, 500);

    // the sidebar lists the sweep
    await wb.showModels();
    await until('the sweep in the sidebar', async () => (await wb.treeRows()).some((t) => /sweep .*completed · random · 4\/4/.test(t)), 20_000);
    w.log(`  sweep ${path.basename(onDisk.dir)}: best trial ${shown}, ${onDisk.json.best?.objective}`);
  },

  async api(w, vscode) {
    const before = (await newestSweep(w.ws))?.dir;
    await vscode.commands.executeCommand('modelStudio.runSweep', vscode.Uri.file(path.join(w.ws, 'sweep.model.yaml')));
    const done = await until('a new completed sweep', async () => {
      const s = await newestSweep(w.ws);
      return s && s.dir !== before && s.json.status === 'completed' && s;
    }, 240_000, 500);
    if (done.json.trials.length !== 4 || done.json.best === undefined) throw new Error(`sweep.json: ${JSON.stringify(done.json).slice(0, 300)}`);
  },
};
