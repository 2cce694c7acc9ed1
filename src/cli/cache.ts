/**
 * `model-studio cache [list|clear] [--workspace DIR] [--json]`: the disk cache of stored rows of large
 * tables (README "The data cache"). `list` shows each entry (data file, rows, size); `clear` deletes them
 * all (the next run reads its data again). The workspace is the current folder unless given.
 */
import * as path from 'node:path';
import { parseArgs, reportStartError, shown, UsageError } from './train';

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MB`;

export async function run(args: string[]): Promise<number> {
  try {
    const parsed = parseArgs(args, { flags: ['json'], values: ['workspace'] });
    const action = parsed.positionals[0] ?? 'list';
    if (parsed.positionals.length > 1 || (action !== 'list' && action !== 'clear')) throw new UsageError('model-studio cache [list|clear] [--workspace DIR] [--json]');
    const { cacheRoot, clearCache, listEntries } = await import('../engine/data/cache');
    const root = cacheRoot(path.resolve(parsed.values.get('workspace') ?? process.cwd()));
    const json = parsed.flags.has('json');
    if (action === 'clear') {
      const bytes = await clearCache(root);
      process.stdout.write(json ? `${JSON.stringify({ cleared: root, bytes })}\n` : `cleared ${shown(root)} (${mb(bytes)} freed)\n`);
      return 0;
    }
    const entries = await listEntries(root);
    if (json) {
      process.stdout.write(`${JSON.stringify({ cache: root, entries })}\n`);
      return 0;
    }
    if (entries.length === 0) {
      process.stdout.write(`the data cache is empty (${shown(root)})\n`);
      return 0;
    }
    process.stdout.write(`data cache ${shown(root)}:\n`);
    for (const e of entries) process.stdout.write(`  ${e.key.slice(0, 12)}  ${shown(e.source)}  ${e.rows.toLocaleString('en-US')} rows  ${mb(e.bytes)}  ${e.createdAt}\n`);
    const total = entries.reduce((a, e) => a + e.bytes, 0);
    process.stdout.write(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, ${mb(total)}; 'model-studio cache clear' deletes them\n`);
    return 0;
  } catch (err) {
    return reportStartError('cache', err);
  }
}
