import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { workspaceRootOf } from '../host/settings';
import { pickRun } from './pick';

/** Model Studio: Show Job Log — SLURM's output file of a run submitted to a cluster target. */
export async function showJobLog(ctx: HostContext, arg?: unknown): Promise<void> {
  const node = await pickRun(ctx, arg, 'Show Job Log', (e) => e.job !== undefined);
  const log = node.entry.job?.log;
  if (!log) throw new Error(`run ${node.entry.runId} was not submitted to a SLURM target: it has no job log (see its metrics.jsonl and run.json)`);
  const root = path.resolve(workspaceRootOf(node.entry.runDir));
  const rel = path.relative(root, log);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`the job log ${log} named in ${path.join(node.entry.runDir, 'run.json')} is outside the workspace; it is not opened`);
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(log));
  } catch {
    throw new Error(`SLURM has not written the job log yet (${log}): job ${node.entry.job?.key} has not started`);
  }
  await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
}
