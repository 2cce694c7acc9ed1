/**
 * One end-to-end scenario, run by both suites from the one list in scenarios/index.ts:
 *
 * - `npm run test:e2e` (test/e2e/run.ts): code-server + Chromium, through the UI as a person would
 *   (`workbench`): the palette, the sidebar, the Problems view, the dashboard;
 * - `npm run test:vscode` (test/e2e/vscode/): desktop VS Code through @vscode/test-electron, through the
 *   extension API (`api`), where a desktop VS Code can be had.
 *
 * Adding one: write test/e2e/scenarios/<what it proves>.ts exporting a `Scenario`, and add it to the list
 * in test/e2e/scenarios/index.ts. Give it a model file in test/e2e/fixtures/ws/ if it needs its own.
 * Wait by polling an observable result (`until`: a file on disk, an element's text), never by sleeping.
 */
import type * as vscode from 'vscode';
import type { Workbench } from './workbench';
import type { World } from './world';

export interface Scenario {
  /** what the scenario proves, as the suites print it; `npm run test:e2e -- <part of a name>` runs only those */
  name: string;
  /** in code-server, through the UI */
  workbench(w: World, wb: Workbench): Promise<void>;
  /** in desktop VS Code's extension host, through the API; absent where only the UI can show it (a webview) */
  api?(w: World, api: typeof vscode): Promise<void>;
}
