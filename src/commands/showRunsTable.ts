/** Model Studio: Show Runs Table — a model's runs (and sweep trials) as a sortable, filterable table. */
import * as path from 'node:path';
import type { HostContext } from '../host/hostContext';
import { runsDirFor } from '../host/settings';
import { RunsPanel } from '../panels/runsPanel';
import { pickModelFile } from './pick';

export async function showRunsTable(ctx: HostContext, arg?: unknown): Promise<void> {
  const specPath = await pickModelFile(ctx, arg, 'Show Runs Table');
  const model = (await ctx.tree.getModels()).find((m) => path.resolve(m.specPath) === path.resolve(specPath));
  const name = model?.name ?? path.basename(specPath).replace(/\.model\.(ya?ml|json)$/i, '');
  RunsPanel.createOrShow(ctx, path.join(runsDirFor(specPath), name));
}
