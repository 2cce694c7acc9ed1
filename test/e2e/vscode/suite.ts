/**
 * Runs inside an extension host: every scenario of test/e2e/scenarios/ that has an `api` variant, through
 * the API. Desktop VS Code loads it through @vscode/test-electron (test/e2e/vscode/run.ts); code-server's
 * extension host loads it in the second pass of `npm run test:e2e`. Both load the bundle bundle.ts makes.
 */
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { scenarios } from '../scenarios';
import type { World } from '../world';

export interface SuiteResult { passed: number; failed: number; skipped: number; lines: string[] }

export async function run(): Promise<void> {
  const ws = process.env.MODEL_STUDIO_TEST_WS;
  const root = process.env.MODEL_STUDIO_ROOT;
  if (!ws || !root) throw new Error('MODEL_STUDIO_TEST_WS and MODEL_STUDIO_ROOT must be set (test/e2e/vscode/run.ts sets them)');
  const only = JSON.parse(process.env.MODEL_STUDIO_TEST_ONLY || '[]') as string[];
  const extension = vscode.extensions.getExtension('model-studio.model-studio')?.extensionPath ?? root;
  const world: World = { ws, root, extension, log: (...parts) => console.log(...parts) };
  const result: SuiteResult = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const say = (line: string) => {
    result.lines.push(line);
    console.log(line);
  };
  await vscode.extensions.getExtension('model-studio.model-studio')?.activate();
  for (const scenario of scenarios) {
    if (only.length && !only.some((o) => scenario.name.includes(o))) continue;
    if (!scenario.api) {
      result.skipped += 1;
      say(`- ${scenario.name} (through the UI only: npm run test:e2e)`);
      continue;
    }
    const t0 = Date.now();
    try {
      await scenario.api(world, vscode);
      result.passed += 1;
      say(`✓ ${scenario.name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (err) {
      result.failed += 1;
      say(`✗ ${scenario.name}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  }
  console.log(`${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
  // a runner that cannot read this process's output (code-server's extension host) reads this file
  const resultFile = process.env.MODEL_STUDIO_TEST_RESULT;
  if (resultFile) writeFileSync(resultFile, JSON.stringify(result));
  if (result.failed) throw new Error(`${result.failed} scenario(s) failed`);
}
