/**
 * The walkthrough's steps are done when what they ask for has happened (an example copied, a run completed,
 * a dashboard opened, a model served), not when their button is pressed: a step marked done as its button
 * is pressed moves the focus and closes the quick pick the command just opened.
 */
import * as vscode from 'vscode';

export type WalkthroughStep = 'exampleOpened' | 'trained' | 'dashboardOpened' | 'deployed';

/** Sets the context key `modelStudio.walkthrough.<step>` that package.json's completionEvents wait for. */
export function walkthroughDone(step: WalkthroughStep): void {
  void vscode.commands.executeCommand('setContext', `modelStudio.walkthrough.${step}`, true);
}
