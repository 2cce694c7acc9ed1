import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { copyExample, existingFiles, freeFolder, mainModelFile, readExamples, type Example } from '../host/examples';
import { Cancelled } from './pick';
import { walkthroughDone } from '../host/walkthrough';

/** globalState key: the model file to open once the folder an example went into is open (the window reloads). */
export const OPEN_AFTER_RELOAD = 'modelStudio.openAfterReload';

/**
 * Model Studio: Open Example… — copies a shipped example (model file, data, README) into a folder of the
 * workspace and opens its model file. Argument: the example's name (the walkthrough's buttons). Files that
 * are already there are never replaced without asking; with no folder open, it asks where to put the
 * example and opens that folder.
 */
export async function openExample(ctx: HostContext, arg?: unknown): Promise<string> {
  const examples = await readExamples(path.join(ctx.ext.extensionPath, 'dist', 'examples.json.gz'));
  const example = typeof arg === 'string' ? examples.find((e) => e.name === arg) : await pickExample(examples);
  if (!example) {
    if (typeof arg === 'string') throw new Error(`there is no example called '${arg}' (there are ${examples.map((e) => e.name).join(', ')})`);
    throw new Cancelled();
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  const parent = folders.length === 1 ? folders[0].uri.fsPath : folders.length > 1 ? await pickFolder(folders) : await askForFolder(example);
  const dir = await destination(example, parent);
  const written = await copyExample(example, dir.path, { replace: dir.replace });
  ctx.hostLog.info(`example ${example.name}: ${written.length} files copied into ${dir.path}`);
  walkthroughDone('exampleOpened');
  const model = path.join(dir.path, mainModelFile(example) ?? '');
  if (folders.length === 0) {
    // the example is not in the workspace yet: open its folder (the window reloads), then the model file
    await ctx.ext.globalState.update(OPEN_AFTER_RELOAD, model);
    await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(dir.path));
    return model;
  }
  ctx.tree.refresh();
  await vscode.window.showTextDocument(vscode.Uri.file(model), { preview: false });
  const rel = vscode.workspace.asRelativePath(dir.path);
  void vscode.window.showInformationMessage(`Model Studio: the ${example.name} example is in ${rel}/. Train it with ▶ in the editor's title bar or "Model Studio: Train Model".`, 'Train Model').then((pick) => {
    if (pick) void vscode.commands.executeCommand('modelStudio.train', vscode.Uri.file(model));
  });
  return model;
}

/** After the window reloaded into the folder Open Example chose: open the example's model file. */
export async function openPendingExample(ctx: HostContext): Promise<void> {
  const model = ctx.ext.globalState.get<string>(OPEN_AFTER_RELOAD);
  if (!model) return;
  const inside = (vscode.workspace.workspaceFolders ?? []).some((f) => model.startsWith(f.uri.fsPath + path.sep));
  if (!inside) return; // another window: leave it for the one that opens the folder
  await ctx.ext.globalState.update(OPEN_AFTER_RELOAD, undefined);
  await vscode.window.showTextDocument(vscode.Uri.file(model), { preview: false });
}

async function pickExample(examples: Example[]): Promise<Example | undefined> {
  const picked = await vscode.window.showQuickPick(
    examples.map((e) => ({ label: e.name, description: e.title, detail: e.summary, example: e })),
    { title: 'Model Studio: Open Example', placeHolder: 'Which example? It is copied into your workspace.', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.example;
}

async function pickFolder(folders: readonly vscode.WorkspaceFolder[]): Promise<string> {
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Copy the example into which workspace folder?' });
  if (!picked) throw new Cancelled();
  return folders.find((f) => f.uri.toString() === picked.uri.toString())?.uri.fsPath ?? picked.uri.fsPath;
}

async function askForFolder(example: Example): Promise<string> {
  const picked = await vscode.window.showOpenDialog({
    title: `Open Example: where should the ${example.name} folder go?`,
    canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: `Put ${example.name}/ Here`,
  });
  if (!picked?.[0]) throw new Cancelled();
  return picked[0].fsPath;
}

/** `parent/name`; when files of the example are there already, asks: a new folder, or replace them. */
async function destination(example: Example, parent: string): Promise<{ path: string; replace: boolean }> {
  const dir = path.join(parent, example.name);
  const existing = await existingFiles(example, dir);
  if (existing.length === 0) return { path: dir, replace: false };
  const other = await freeFolder(parent, example.name);
  const useOther = `Copy into ${path.basename(other)}/`;
  const replace = 'Replace Them';
  const list = existing.slice(0, 4).join(', ') + (existing.length > 4 ? `, and ${existing.length - 4} more` : '');
  const pick = await vscode.window.showWarningMessage(
    `${path.basename(dir)}/ already has ${existing.length} of the example's files (${list}).`,
    { modal: true, detail: `Copy the example into a new folder, ${path.basename(other)}/, or replace those files with the example's (nothing else in ${path.basename(dir)}/ is touched).` },
    useOther, replace,
  );
  if (pick === useOther) return { path: other, replace: false };
  if (pick === replace) return { path: dir, replace: true };
  throw new Cancelled();
}
