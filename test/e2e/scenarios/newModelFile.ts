import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { cli, exists, until } from '../world';

/** New Model File… for points.csv (classification of `kind`) writes a model file that validates. */
export const newModelFile: Scenario = {
  name: 'New Model File…: a file that validates',

  async workbench(w, wb) {
    const { page } = wb;
    await wb.palette('Model Studio: New Model File');
    await wb.pickRow('classification');
    // the browser workbench asks for files in its own quick-input file dialog
    const input = wb.input;
    await until('the file dialog in the workspace folder', async () => (await input.inputValue()).replace(/\/$/, '') === w.ws, 20_000);
    await input.fill(path.join(w.ws, 'points.csv'));
    await until('the dialog to take the path', async () => (await input.inputValue()) === path.join(w.ws, 'points.csv'));
    await input.press('Enter');
    await wb.pickRow('kind');
    const file = path.join(w.ws, 'points.model.yaml');
    await until('the new model file', () => exists(file), 20_000);
    await page.locator('.tabs-container .tab.active[aria-label*="points.model.yaml"]').waitFor({ timeout: 15_000 });
    const out = cli(w, ['validate', file]);
    if (out.status !== 0) throw new Error(`the new model file does not validate:\n${out.stdout}${out.stderr}`);
    await wb.showProblems();
    await until('no problems for the new file', async () => (await page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'points.model.yaml' }).count()) === 0, 10_000);
  },

  async api(w, vscode) {
    const target = await vscode.commands.executeCommand<unknown>('modelStudio.newModelFile', { task: 'classification', data: path.join(w.ws, 'points.csv'), label: 'kind' });
    if (typeof target !== 'string') throw new Error('no file written');
    const errors = await vscode.commands.executeCommand<unknown>('modelStudio.validateModelFile', vscode.Uri.file(target));
    if (errors !== 0) throw new Error(`${String(errors)} errors in ${target}`);
  },
};
