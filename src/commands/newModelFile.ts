import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { peekColumns } from '../modelFile/peek';
import { Cancelled } from './pick';
import { modelFileText, toModelName, type TemplateTask } from './modelTemplate';

/**
 * Model Studio: New Model File… — asks the task, the data (file or image folder), the label column
 * (from the file's header), writes a commented model file next to the data and opens it.
 * Arguments (for tests and scripts): { task, data, label, textColumn?, target? }.
 */
export async function newModelFile(ctx: HostContext, arg?: unknown): Promise<string> {
  requireTrust('write new model files (it reads the data to find its columns)');
  const given = typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? (arg as Record<string, unknown>) : {};
  const task = (typeof given.task === 'string' ? given.task : (await vscode.window.showQuickPick(
    [
      { label: 'classification', description: 'predict a class from columns of a table' },
      { label: 'regression', description: 'predict a number from columns of a table' },
      { label: 'image', description: 'classify images (a folder with one subfolder per class)' },
      { label: 'text', description: 'classify a text column' },
    ],
    { title: 'New Model File (1/3): task', placeHolder: 'What should the model do?', ignoreFocusOut: true },
  ))?.label) as TemplateTask | undefined;
  if (!task || !['classification', 'regression', 'image', 'text'].includes(task)) throw new Cancelled();

  const image = task === 'image';
  const defaultUri = vscode.workspace.workspaceFolders?.[0]?.uri;
  const data = typeof given.data === 'string' ? given.data : (await vscode.window.showOpenDialog({
    title: `New Model File (2/3): ${image ? 'the folder of images (one subfolder per class)' : 'the data file'}`,
    canSelectFiles: !image, canSelectFolders: image, canSelectMany: false, defaultUri,
    filters: image ? undefined : { 'Data (csv, tsv, json, jsonl)': ['csv', 'tsv', 'json', 'jsonl'] },
    openLabel: 'Use This Data',
  }))?.[0]?.fsPath;
  if (!data) throw new Cancelled();

  let columns: string[] = [];
  let label: string | undefined = typeof given.label === 'string' ? given.label : undefined;
  let textColumn = typeof given.textColumn === 'string' ? given.textColumn : undefined;
  if (image) {
    label = label ?? (await vscode.window.showInputBox({ title: 'New Model File (3/3): what is the class called?', value: 'class', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? null : 'a name, e.g. shape or digit') }));
  } else {
    try {
      columns = await peekColumns(data, 'auto');
    } catch (err) {
      throw new Error(`cannot read the columns of ${data}: ${err instanceof Error ? err.message : String(err)}`);
    }
    label = label ?? (await vscode.window.showQuickPick(columns, { title: 'New Model File (3/3): the label column', placeHolder: 'Which column should the model predict?', ignoreFocusOut: true }));
    if (label && task === 'text' && !textColumn) {
      const rest = columns.filter((c) => c !== label);
      textColumn = rest.length === 1 ? rest[0] : await vscode.window.showQuickPick(rest, { title: 'New Model File: the text column', placeHolder: 'Which column holds the text?', ignoreFocusOut: true });
      if (!textColumn) throw new Cancelled();
    }
  }
  if (!label) throw new Cancelled();

  const name = toModelName(path.basename(data));
  const target = typeof given.target === 'string' ? given.target : await freeName(path.join(path.dirname(data), `${name}.model.yaml`));
  const source = path.relative(path.dirname(target), data).split(path.sep).join('/') || '.';
  const text = modelFileText({ task, name, source, label, columns, textColumn });
  const uri = vscode.Uri.file(target);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  ctx.hostLog.info(`new model file ${target}`);
  await vscode.window.showTextDocument(uri);
  return target;
}

/** name.model.yaml, else name-2.model.yaml, … (never overwrite a file) */
async function freeName(file: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? file : file.replace(/\.model\.yaml$/, `-${i}.model.yaml`);
    try {
      await vscode.workspace.fs.stat(vscode.Uri.file(candidate));
    } catch {
      return candidate;
    }
  }
}
