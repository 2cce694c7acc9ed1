/**
 * End-to-end tests in a real VS Code workbench: code-server (VS Code 1.100 for the browser, from npm,
 * pinned in test/e2e/tools) on 127.0.0.1, driven from Debian's Chromium with playwright-core. The
 * extension under test is this platform's VSIX from `npm run package`, installed the way a user installs
 * it (`code-server --install-extension`); `--checkout` loads this checkout's dist/ instead (quicker while
 * developing). Builds nothing: run `npm run package` (and `npm run build`: scenarios use the checkout's CLI)
 * first, and `bash test/e2e/setup.sh` once. Every wait polls an observable result.
 *
 * Two passes over the one list of scenarios (test/e2e/scenarios/), each in a fresh workspace:
 * 1. through the UI (each scenario's `workbench`), as a person would;
 * 2. through the API (each scenario's `api`: test/e2e/vscode/suite.ts, what `npm run test:vscode` runs in
 *    desktop VS Code), in code-server's extension host.
 *
 *   npm run test:e2e [-- [--ui | --api] [--checkout] scenario-name-substring…]
 *
 * Screenshots go to test-results/e2e/. The last line is "N passed, N failed".
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { scenarios } from './scenarios';
import type { SuiteResult } from './vscode/suite';
import { bundleSuite } from './vscode/bundle';
import { Workbench } from './workbench';
import { until, type World } from './world';

const here = __dirname;
const root = path.resolve(here, '..', '..');
const tools = path.join(here, 'tools');
const codeServerEntry = path.join(tools, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const resultsDir = path.join(root, 'test-results', 'e2e');
const args = process.argv.slice(2);
const passes = { ui: !args.includes('--api'), api: !args.includes('--ui') };
const fromCheckout = args.includes('--checkout');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
/** The VSIX of this platform that `npm run package` wrote. */
const vsix = path.join(root, 'build', 'package', `${pkg.name}-${process.platform}-${process.arch}-${pkg.version}.vsix`);
const only = args.filter((a) => !a.startsWith('--'));
const started = Date.now();
const log = (...a: unknown[]) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`, ...a);

/** The workbench's settings: quiet, offline, no trust prompt, no auto-save. */
const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'files.autoSave': 'off',
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function fail(message: string): never {
  console.error(`e2e: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.endsWith('.localhost');

/** code-server and a browser on it, in a throwaway folder outside the checkout (nothing a Save or a delete does can reach the repository). */
interface Session {
  work: string;
  ws: string;
  /** the folder of the extension under test: where the VSIX was installed, or the checkout */
  extension: string;
  base: string;
  page: Page;
  serverLog: string[];
  /** non-loopback requests the workbench tried (all aborted) */
  blocked: string[];
  /** copies the logs into test-results/e2e/ (after a failure) */
  saveLogs(prefix: string): Promise<void>;
  close(removeFolder: boolean): Promise<void>;
}

async function openSession(env: (work: string, ws: string) => NodeJS.ProcessEnv = () => ({})): Promise<Session> {
  const { chromium } = await import('playwright-core').catch(() => fail('playwright-core is not installed (npm ci in the repository root)'));
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'model-studio-e2e-'));
  const ws = path.join(work, 'ws');
  await fsp.cp(path.join(here, 'fixtures', 'ws'), ws, { recursive: true });
  await fsp.mkdir(path.join(work, 'ud', 'User'), { recursive: true });
  await fsp.writeFile(path.join(work, 'ud', 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  const extDir = path.join(work, 'ext');
  await fsp.mkdir(extDir, { recursive: true });
  const serverEnv = { ...process.env, ...env(work, ws), XDG_CONFIG_HOME: path.join(work, 'xdg'), XDG_DATA_HOME: path.join(work, 'xdg'), EXTENSIONS_GALLERY: '{}', SERVICE_URL: '', ITEM_URL: '' };
  const extension = fromCheckout ? await linkCheckout(extDir) : await installVsix(extDir, path.join(work, 'ud'), serverEnv);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverLog: string[] = [];
  const server: ChildProcess = spawn(process.execPath, [codeServerEntry,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--user-data-dir', path.join(work, 'ud'), '--extensions-dir', extDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--ignore-last-opened', ws,
  ], {
    cwd: work,
    env: serverEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: everything it started ends with it
  });
  for (const s of [server.stdout, server.stderr]) s?.setEncoding('utf8').on('data', (t: string) => serverLog.push(t));
  const opened: { browser?: BrowserContext } = {};
  const stop = async () => {
    await opened.browser?.close().catch(() => undefined);
    try {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // gone already
    }
  };
  const onInterrupt = () => void stop().then(() => process.exit(130));
  process.on('SIGINT', onInterrupt);

  await until('code-server /healthz', async () => (await fetch(`${base}/healthz`)).ok, 60_000, 200).catch(async (err: Error) => {
    console.error(serverLog.join(''));
    await stop();
    fail(err.message);
  });
  log(`code-server ${base} (workspace ${ws})`);

  const browser = await chromium.launchPersistentContext(path.join(work, 'chromium'), { executablePath: chromiumPath, headless: true, viewport: { width: 1400, height: 900 }, args: CHROMIUM_ARGS });
  opened.browser = browser;
  const blocked: string[] = [];
  await browser.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (isLoopback(url.hostname) || !url.protocol.startsWith('http')) return route.continue();
    blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  return {
    work, ws, extension, base, page, serverLog, blocked,
    async saveLogs(prefix) {
      const logFile = path.join(resultsDir, `${prefix}code-server.log`);
      await fsp.writeFile(logFile, serverLog.join(''));
      console.log(`code-server log: ${path.relative(process.cwd(), logFile)}`);
      // the extension's own log, from the throwaway user-data dir
      const extLogs = spawnSync('find', [path.join(work, 'ud', 'logs'), '-name', '*Model Studio*'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
      for (const f of extLogs) {
        const dest = path.join(resultsDir, `${prefix}extension-${path.basename(path.dirname(f))}.log`);
        await fsp.copyFile(f, dest).catch(() => undefined);
        console.log(`extension log: ${path.relative(process.cwd(), dest)}`);
      }
    },
    async close(removeFolder) {
      process.off('SIGINT', onInterrupt);
      if (blocked.length) {
        log(`✗ the workbench tried to reach ${blocked.length} non-loopback address(es), all blocked: ${[...new Set(blocked.map((u) => new URL(u).host))].join(', ')}`);
      }
      await stop();
      if (removeFolder) await fsp.rm(work, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** The extension as a user installs it: `code-server --install-extension <this platform's VSIX>`. Its folder. */
async function installVsix(extDir: string, userData: string, env: NodeJS.ProcessEnv): Promise<string> {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [codeServerEntry, '--user-data-dir', userData, '--extensions-dir', extDir, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
  const prefix = `${pkg.publisher}.${pkg.name}-`.toLowerCase();
  const installed = (await fsp.readdir(extDir)).find((d) => d.toLowerCase().startsWith(prefix));
  if (r.status !== 0 || !installed) fail(`code-server --install-extension ${vsix} failed:\n${r.stdout}${r.stderr}`);
  log(`installed ${path.basename(vsix)} as ${installed} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  return path.join(extDir, installed);
}

/** The checkout itself as the installed extension (`--checkout`): a link named publisher.name-version. */
async function linkCheckout(extDir: string): Promise<string> {
  const link = path.join(extDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  await fsp.symlink(root, link, 'dir');
  return root;
}

const wanted = (name: string) => !only.length || only.some((o) => name.includes(o));

/** Pass 1: each scenario's `workbench`, through the UI, with a screenshot after each. */
async function uiPass(): Promise<SuiteResult> {
  const session = await openSession();
  const { page, ws, base } = session;
  await page.goto(`${base}/?folder=${encodeURIComponent(ws)}`);
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 60_000 });
  // our activity-bar entry appears once the extension is registered
  await page.locator('.activitybar .action-item [aria-label^="Model Studio"]').first().waitFor({ timeout: 60_000 });
  log('workbench is up');

  const world: World = { ws, root, extension: session.extension, log };
  const wb = new Workbench(page, resultsDir);
  const result: SuiteResult = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const shots: string[] = [];
  for (const [i, scenario] of scenarios.entries()) {
    const { name } = scenario;
    if (!wanted(name)) continue;
    const t0 = Date.now();
    let error: unknown;
    try {
      await scenario.workbench(world, wb);
    } catch (err) {
      error = err;
    }
    const shot = path.join(resultsDir, `${i + 1}-${name.split(':')[0].replace(/[^\w]+/g, '-').replace(/-+$/, '')}.png`);
    await page.screenshot({ path: shot }).then(() => shots.push(shot), () => undefined);
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (error) {
      result.failed += 1;
      const stack = error instanceof Error ? error.stack ?? error.message : String(error);
      log(`✗ ${i + 1}. ${name} (${secs}s)\n    ${stack.split('\n').slice(0, 4).join('\n    ')}`);
    } else {
      result.passed += 1;
      log(`✓ ${i + 1}. ${name} (${secs}s)`);
    }
    await page.keyboard.press('Escape').catch(() => undefined);
  }
  for (const s of shots) console.log(`screenshot: ${path.relative(process.cwd(), s)}`);
  if (result.failed) await session.saveLogs('');
  await session.close(!result.failed);
  return result;
}

/**
 * Pass 2: each scenario's `api`, in code-server's (Node) extension host: the workbench opens with this
 * checkout as the extension under development and the bundled API suite as its tests, which write their
 * result to a file.
 */
async function apiPass(): Promise<SuiteResult> {
  const session = await openSession((work, ws) => ({
    MODEL_STUDIO_TEST_WS: ws, MODEL_STUDIO_ROOT: root, MODEL_STUDIO_TEST_RESULT: path.join(work, 'api-result.json'), MODEL_STUDIO_TEST_ONLY: JSON.stringify(only),
  }));
  const { page, ws, base, work } = session;
  const suite = await bundleSuite(path.join(work, 'suite.js'));
  const remote = (p: string) => `vscode-remote://${new URL(base).host}${p}`;
  // the installed extension's folder is the one under development: the API suite tests what the VSIX holds
  const payload = JSON.stringify([['extensionDevelopmentPath', remote(session.extension)], ['extensionTestsPath', remote(suite)]]);
  await page.goto(`${base}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
  log('API suite started in the extension host');
  const result = await until('the API suite to finish', async () => JSON.parse(await fsp.readFile(path.join(work, 'api-result.json'), 'utf8')) as SuiteResult, 600_000, 500)
    .catch((err: Error): SuiteResult => ({ passed: 0, failed: 1, skipped: 0, lines: [`✗ ${err.message}`] }));
  for (const line of result.lines) log(`${line.split('\n').slice(0, 5).join('\n    ')}`);
  if (result.failed) await session.saveLogs('api-');
  await session.close(!result.failed);
  return result;
}

async function main(): Promise<void> {
  for (const f of ['dist/extension.js', 'dist/engine.js', 'dist/cli.js']) {
    if (!existsSync(path.join(root, f))) fail(`${f} is missing: run \`npm run build\` first`);
  }
  if (!fromCheckout && !existsSync(vsix)) fail(`${path.relative(root, vsix)} is missing: run \`npm run package\` first (or test the checkout with \`npm run test:e2e -- --checkout\`)`);
  log(fromCheckout ? 'the extension under test: this checkout (--checkout)' : `the extension under test: ${path.relative(root, vsix)}, installed`);
  if (!existsSync(codeServerEntry)) fail('code-server is not installed: run `bash test/e2e/setup.sh` first');
  if (!existsSync(chromiumPath)) fail(`no Chromium at ${chromiumPath}: run \`bash test/e2e/setup.sh\` (apt-get install chromium) or set CHROMIUM_PATH`);
  await fsp.rm(resultsDir, { recursive: true, force: true });
  await fsp.mkdir(resultsDir, { recursive: true });

  const total: SuiteResult = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const add = (r: SuiteResult) => {
    total.passed += r.passed;
    total.failed += r.failed;
    total.skipped += r.skipped;
  };
  if (passes.ui) {
    log('pass 1: the scenarios through the UI');
    add(await uiPass());
  }
  if (passes.api) {
    log('pass 2: the scenarios through the API (as `npm run test:vscode` runs them in desktop VS Code)');
    add(await apiPass());
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)}s${total.skipped ? ` (${total.skipped} scenario(s) have no API variant)` : ''}`);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  process.exit(total.failed ? 1 : 0);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.stack ?? err.message : String(err)));
