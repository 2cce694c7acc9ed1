/**
 * `model-studio note RUN_DIR [--note TEXT] [--tag T]… [--untag T]… [--json]`: a run's note and tags
 * (notes.json in the run folder; the runs table, the compare view and the sidebar show them). Without
 * options it prints them.
 */
import * as path from 'node:path';
import { readRunNotes, writeRunNotes } from '../experiments/notes';
import { parseArgs, reportStartError, UsageError, type ParsedArgs } from './train';

export async function run(args: string[]): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(args, { flags: ['json'], values: ['note'], lists: ['tag', 'untag'] });
    if (parsed.positionals.length !== 1) throw new UsageError('give one run folder: model-studio note RUN_DIR [--note TEXT] [--tag T]… [--untag T]… [--json]');
  } catch (err) {
    return reportStartError('note', err);
  }
  const runDir = path.resolve(parsed.positionals[0]);
  try {
    let notes = await readRunNotes(runDir);
    const add = parsed.lists.get('tag') ?? [];
    const remove = new Set((parsed.lists.get('untag') ?? []).map((t) => t.trim()));
    if (parsed.values.has('note') || add.length || remove.size) {
      notes = await writeRunNotes(runDir, {
        note: parsed.values.get('note') ?? notes.note,
        tags: [...notes.tags, ...add].filter((t) => !remove.has(t.trim())),
      });
    }
    if (parsed.flags.has('json')) process.stdout.write(`${JSON.stringify(notes)}\n`);
    else process.stdout.write(`tags: ${notes.tags.length ? notes.tags.join(', ') : '(none)'}\nnote: ${notes.note || '(none)'}\n`);
    return 0;
  } catch (err) {
    return reportStartError('note', new UsageError(err instanceof Error ? err.message : String(err)));
  }
}
