import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { exists, newRunOf, readRun, runDirs, until } from '../world';

const FILES = ['run.json', 'metrics.jsonl', 'model/model.json', 'model/weights.bin'];

async function expectFiles(runDir: string): Promise<void> {
  for (const f of FILES) if (!(await exists(path.join(runDir, f)))) throw new Error(`${f} is missing in ${runDir}`);
}

/** quick.model.yaml trains in seconds: the run shows running, then completed, and its folder has everything. */
export const train: Scenario = {
  name: 'train from the palette: running, then completed; files on disk',

  async workbench(w, wb) {
    // the sidebar first: the run shows `running` from the moment it starts, and the tiny model is quick
    await wb.showModels();
    await wb.openFile('quick.model.yaml');
    const before = await runDirs(w, 'quick');
    await wb.palette('Model Studio: Train Model');
    await until('a running run in the sidebar', async () => (await wb.treeRows()).some((t) => /running/.test(t)), 60_000, 50);
    const runDir = await newRunOf(w, 'quick', before);
    await until('a completed run in the sidebar', async () => (await wb.treeRows()).some((t) => /completed/.test(t)), 90_000);
    const record = await until('run.json completed', async () => {
      const r = await readRun(runDir);
      return r?.status === 'completed' && r;
    }, 20_000);
    await expectFiles(runDir);
    w.log(`  run ${path.basename(runDir)}: ${record.status}, backend ${record.backend?.name}, ${record.epochs?.completed} epochs`);
  },

  async api(w, vscode) {
    const before = await runDirs(w, 'quick');
    await vscode.commands.executeCommand('modelStudio.train', vscode.Uri.file(path.join(w.ws, 'quick.model.yaml')));
    const runDir = await newRunOf(w, 'quick', before);
    await until('run.json completed', async () => (await readRun(runDir))?.status === 'completed', 120_000);
    await expectFiles(runDir);
  },
};
