import * as vscode from 'vscode';
import type { HostContext } from '../host/hostContext';
import { pickModelFile } from './pick';

/** Model Studio: Validate Model File — validates now, shows the result, opens Problems when there are any. */
export async function validateModelFile(ctx: HostContext, arg?: unknown): Promise<number> {
  const specPath = await pickModelFile(ctx, arg, 'Validate Model File');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(specPath));
  const problems = await ctx.diagnostics.validate(doc);
  const errors = problems.filter((p) => p.severity === 'error').length;
  if (problems.length === 0) void vscode.window.showInformationMessage(`Model Studio: ${vscode.workspace.asRelativePath(specPath)} is valid.`);
  else {
    void vscode.commands.executeCommand('workbench.actions.view.problems');
    void vscode.window.showWarningMessage(`Model Studio: ${vscode.workspace.asRelativePath(specPath)} has ${errors} error${errors === 1 ? '' : 's'} and ${problems.length - errors} warning${problems.length - errors === 1 ? '' : 's'} (see Problems).`);
  }
  return errors;
}
