/**
 * The one table of commands (STYLE.md): id → handler, one file per command. Each id is declared
 * once here and once in package.json (contributes.commands). Errors are logged and shown once
 * with a "Show Log" action; a cancelled pick is silent.
 */
import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { errorText } from '../host/events';
import { UntrustedError } from '../host/trust';
import { Cancelled } from './pick';
import { train } from './train';
import { stopTraining } from './stopTraining';
import { evaluateRun } from './evaluateRun';
import { openDashboardCommand } from './openDashboard';
import { saveModel } from './saveModel';
import { deployModel } from './deployModel';
import { stopServer } from './stopServer';
import { newModelFile } from './newModelFile';
import { validateModelFile } from './validateModelFile';
import { selectBackend } from './selectBackend';
import { showLog } from './showLog';
import { installNativeBackend } from './installNativeBackend';
import { revealRun } from './revealRun';
import { deleteRun } from './deleteRun';
import { compareAllRuns, compareRuns } from './compareRuns';
import { editRunNoteCommand } from './editRunNote';
import { openSweep, resumeSweep, runSweep, stopSweep } from './runSweep';
import { showRunsTable } from './showRunsTable';
import { openExample } from './openExample';
import { trainOn } from './trainOn';
import { resumeRun } from './resumeRun';
import { showJobLog } from './showJobLog';

type Handler = (ctx: HostContext, ...args: unknown[]) => unknown;

export const COMMANDS: Record<string, Handler> = {
  'modelStudio.train': train,
  'modelStudio.trainOn': trainOn,
  'modelStudio.resumeRun': resumeRun,
  'modelStudio.showJobLog': showJobLog,
  'modelStudio.stopTraining': stopTraining,
  'modelStudio.evaluateRun': evaluateRun,
  'modelStudio.openDashboard': openDashboardCommand,
  'modelStudio.saveModel': saveModel,
  'modelStudio.deployModel': deployModel,
  'modelStudio.stopServer': stopServer,
  'modelStudio.newModelFile': newModelFile,
  'modelStudio.openExample': openExample,
  'modelStudio.validateModelFile': validateModelFile,
  'modelStudio.selectBackend': selectBackend,
  'modelStudio.showLog': showLog,
  'modelStudio.installNativeBackend': installNativeBackend,
  'modelStudio.revealRun': revealRun,
  'modelStudio.deleteRun': deleteRun,
  'modelStudio.refresh': (ctx) => ctx.tree.refresh(),
  'modelStudio.compareRuns': compareRuns,
  'modelStudio.compareAllRuns': compareAllRuns,
  'modelStudio.showRunsTable': showRunsTable,
  'modelStudio.editRunNote': editRunNoteCommand,
  'modelStudio.runSweep': runSweep,
  'modelStudio.resumeSweep': resumeSweep,
  'modelStudio.stopSweep': stopSweep,
  'modelStudio.openSweep': openSweep,
};

export function registerCommands(ctx: HostContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(ctx, ...args);
      } catch (err) {
        if (err instanceof Cancelled || err instanceof UntrustedError) return undefined;
        const message = errorText(err);
        ctx.hostLog.error(`${id}: ${err instanceof Error && err.stack ? err.stack : message}`);
        void vscode.window.showErrorMessage(`Model Studio: ${message}`, 'Show Log').then((pick) => {
          if (pick) ctx.log.show(true);
        });
        return undefined;
      }
    }),
  );
}
