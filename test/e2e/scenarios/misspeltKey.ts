import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { until } from '../world';

/** typo.model.yaml has `epocs: 3` on line 13: a problem there with "did you mean epochs", gone once fixed. */
export const misspeltKey: Scenario = {
  name: 'misspelt key: problem at the right line, gone once fixed',

  async workbench(_w, wb) {
    const { page } = wb;
    await wb.openFile('typo.model.yaml');
    await wb.showProblems();
    const problem = page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'epocs' }).first();
    await problem.waitFor({ timeout: 30_000 });
    const text = (await problem.textContent()) ?? '';
    if (!/\[Ln 13, Col 3\]/.test(text)) throw new Error(`the problem is not at line 13, column 3: ${text}`);
    if (!/did you mean `?epochs/.test(text)) throw new Error(`the problem does not suggest epochs: ${text}`);
    await until('a squiggle in the editor', () => page.locator('.monaco-editor .squiggly-error').count());
    // fix it as a person would: go to line 13, retype the key
    await wb.goToLine(13);
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('epochs: 3');
    await page.keyboard.press('Escape');
    await until('the problem to disappear', async () => (await page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'epocs' }).count()) === 0 && (await page.locator('.monaco-editor .squiggly-error').count()) === 0, 20_000);
    await page.keyboard.press('Control+S');
  },

  async api(w, vscode) {
    const uri = vscode.Uri.file(path.join(w.ws, 'typo.model.yaml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const d = await until('the problem', () => vscode.languages.getDiagnostics(uri).find((x) => x.message.includes('epocs')), 60_000);
    if (d.range.start.line !== 12 || d.range.start.character !== 2) throw new Error(`problem at ${d.range.start.line + 1}:${d.range.start.character + 1}, expected 13:3`);
    if (!/did you mean `?epochs/.test(d.message)) throw new Error(`the problem does not suggest epochs: ${d.message}`);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, d.range, 'epochs');
    await vscode.workspace.applyEdit(edit);
    await until('the problem to go', () => !vscode.languages.getDiagnostics(uri).some((x) => x.message.includes('epocs')), 60_000);
    await doc.save();
  },
};
