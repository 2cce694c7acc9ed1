/** Workspace trust: in an untrusted workspace we show model files, runs and reports, but run nothing. */
import * as vscode from 'vscode';

export class UntrustedError extends Error {}

/** Throws (and tells the person why, with a way out) unless the workspace is trusted. */
export function requireTrust(what: string): void {
  if (vscode.workspace.isTrusted) return;
  void vscode.window
    .showWarningMessage(`Model Studio does not ${what} in an untrusted workspace: a model file reads data and runs code (an engine process). Trust the workspace to ${what}.`, 'Manage Workspace Trust')
    .then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  throw new UntrustedError(`untrusted workspace: will not ${what}`);
}
