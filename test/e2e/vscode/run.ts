/**
 * The scenarios of test/e2e/scenarios/ at the API level, in desktop VS Code through @vscode/test-electron.
 * Desktop VS Code comes from Microsoft's update server, which machines without internet (like this
 * project's CI) cannot reach: give one with VSCODE_EXECUTABLE_PATH, or allow the download with
 * MODEL_STUDIO_VSCODE_DOWNLOAD=1. Without either it says so and exits 0, unless
 * MODEL_STUDIO_REQUIRE_VSCODE=1. On Linux without a display, run it under xvfb-run.
 * The same API suite runs in code-server's extension host with `npm run test:e2e -- --api`.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scenarios } from '../scenarios';
import { bundleSuite } from './bundle';

const root = path.resolve(__dirname, '..', '..', '..');
const requireVscode = process.env.MODEL_STUDIO_REQUIRE_VSCODE === '1';

function unavailable(why: string): never {
  console.log(`test:vscode: no desktop VS Code can be had here (${why}).`);
  console.log('  Give one with VSCODE_EXECUTABLE_PATH=/path/to/code, or set MODEL_STUDIO_VSCODE_DOWNLOAD=1 where Microsoft\'s update server is reachable.');
  console.log('  The same scenarios run in a real workbench with `npm run test:e2e` (code-server + Chromium).');
  if (requireVscode) {
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`0 passed, 0 failed, ${scenarios.length} skipped`);
  process.exit(0);
}

async function main(): Promise<void> {
  for (const f of ['dist/extension.js', 'dist/engine.js']) {
    if (!existsSync(path.join(root, f))) {
      console.error(`test:vscode: ${f} is missing: run \`npm run build\` first`);
      process.exit(1);
    }
  }
  let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH;
  if (vscodeExecutablePath && !existsSync(vscodeExecutablePath)) unavailable(`VSCODE_EXECUTABLE_PATH=${vscodeExecutablePath} does not exist`);
  const { runTests, downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  if (!vscodeExecutablePath) {
    if (process.env.MODEL_STUDIO_VSCODE_DOWNLOAD !== '1') unavailable('VSCODE_EXECUTABLE_PATH is not set and downloading is off');
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode('1.100.3');
    } catch (err) {
      unavailable(`the download failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // Everything the run writes (the workspace, VS Code's user data, the suite's bundle) stays in the temp dir.
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'model-studio-vscode-'));
  const ws = path.join(work, 'ws');
  await fsp.cp(path.join(root, 'test', 'e2e', 'fixtures', 'ws'), ws, { recursive: true });
  const suite = await bundleSuite(path.join(work, 'suite.js'));
  try {
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: root,
      extensionTestsPath: suite,
      extensionTestsEnv: { MODEL_STUDIO_TEST_WS: ws, MODEL_STUDIO_ROOT: root },
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${path.join(work, 'ud')}`],
    });
    await fsp.rm(work, { recursive: true, force: true });
  } catch (err) {
    console.error(`test:vscode failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

void main();
