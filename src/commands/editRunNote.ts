/** Model Studio: Edit Note and Tags… — a run's note and tags (notes.json in its folder). */
import * as vscode from 'vscode';
import { cleanTags, readRunNotes, writeRunNotes } from '../experiments/notes';
import type { HostContext } from '../host/hostContext';
import { requireTrust } from '../host/trust';
import { asRunNode, pickRun } from './pick';

/** Asks for the note, then the tags, of a run; false when cancelled. */
export async function editRunNote(runDir: string): Promise<boolean> {
  requireTrust('write run notes'); // the command and the tables' ✎
  const current = await readRunNotes(runDir);
  const note = await vscode.window.showInputBox({
    title: 'Run note', prompt: 'A note for this run (what you tried, what you saw). Empty removes it.', value: current.note, ignoreFocusOut: true,
  });
  if (note === undefined) return false;
  const tags = await vscode.window.showInputBox({
    title: 'Run tags', prompt: 'Tags, separated by commas (e.g. baseline, wide). Empty removes them.', value: current.tags.join(', '), ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        cleanTags(v.split(','));
        return undefined;
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    },
  });
  if (tags === undefined) return false;
  await writeRunNotes(runDir, { note, tags: tags.split(',') });
  return true;
}

export async function editRunNoteCommand(ctx: HostContext, arg?: unknown): Promise<void> {
  const node = asRunNode(arg) ?? (await pickRun(ctx, arg, 'Edit Note and Tags'));
  if (await editRunNote(node.entry.runDir)) ctx.tree.refresh();
}
