import * as path from 'node:path';
import type * as vscodeTypes from 'vscode';
import type { Scenario } from '../scenario';
import { until } from '../world';

const text = (c: vscodeTypes.MarkdownString | vscodeTypes.MarkedString): string => (typeof c === 'string' ? c : c.value);
const label = (c: vscodeTypes.CompletionItem): string => (typeof c.label === 'string' ? c.label : c.label.label);

/** Hover and completion in a YAML model file come from the model file's schema, without a YAML extension. */
export const hoverCompletion: Scenario = {
  name: 'hover and completion in YAML from the schema (no YAML extension)',

  async workbench(_w, wb) {
    const { page } = wb;
    await wb.openFile('quick.model.yaml');
    // the cursor on `optimizer` (line 14), then "Show or Focus Hover", as a keyboard user would
    await wb.goToLine(14, 5);
    await wb.palette('Show or Focus Hover');
    await page.locator('.monaco-hover').filter({ hasText: 'Optimiser and its parameters' }).first().waitFor({ timeout: 20_000 });
    await page.keyboard.press('Escape');
    // a new key under `train:` offers the keys that are not there yet
    await page.locator('.monaco-editor .view-lines').first().click();
    await wb.quickOpen(':13');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await wb.palette('Trigger Suggest');
    const suggestion = page.locator('.suggest-widget .monaco-list-row').filter({ hasText: 'earlyStopping' }).first();
    await suggestion.waitFor({ timeout: 20_000 });
    if (await page.locator('.suggest-widget .monaco-list-row').filter({ hasText: /^batchSize/ }).count()) throw new Error('batchSize is offered although it is there already');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Z');
  },

  async api(w, vscode) {
    const uri = vscode.Uri.file(path.join(w.ws, 'quick.model.yaml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    // the hover on `optimizer` (line 14, column 5)
    await until('the hover of optimizer', async () => {
      const hovers = await vscode.commands.executeCommand<vscodeTypes.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(13, 4));
      return hovers.some((h) => h.contents.some((c) => text(c).includes('Optimiser and its parameters')));
    }, 20_000);
    // a new key under `train:` (a new line after line 13) offers the keys that are not there yet
    const end = doc.lineAt(12).range.end;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, end, '\n  ');
    await vscode.workspace.applyEdit(edit);
    try {
      const labels = await until('earlyStopping offered', async () => {
        const list = await vscode.commands.executeCommand<vscodeTypes.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(13, 2));
        const all = list.items.map(label);
        return all.some((l) => l.startsWith('earlyStopping')) && all;
      }, 20_000);
      if (labels.some((l) => l.startsWith('batchSize'))) throw new Error('batchSize is offered although it is there already');
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  },
};
