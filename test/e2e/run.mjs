#!/usr/bin/env node
// End-to-end tests in a real VS Code workbench: code-server (VS Code 1.100 for the browser, from
// npm, pinned in test/e2e/tools) on 127.0.0.1, the extension loaded from this checkout's build,
// driven from Debian's Chromium with playwright-core. Builds nothing: run `npm run build` first,
// and `bash test/e2e/setup.sh` once. Every wait polls an observable result (DOM text, a file).
//
//   node test/e2e/run.mjs [scenario-name-substring…]
//
// Screenshots go to test-results/e2e/. The last line is "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { promises as fsp, existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardScenario } from '../fixtures/dashboard/e2eScenario.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const tools = path.join(here, 'tools');
const codeServerEntry = path.join(tools, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const resultsDir = path.join(root, 'test-results', 'e2e');
const only = process.argv.slice(2);
const started = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`, ...a);

// ------------------------------------------------------------------ preconditions

function fail(message) {
  console.error(`e2e: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
for (const f of ['dist/extension.js', 'dist/engine.js']) {
  if (!existsSync(path.join(root, f))) fail(`${f} is missing: run \`npm run build\` first`);
}
if (!existsSync(codeServerEntry)) fail('code-server is not installed: run `bash test/e2e/setup.sh` first');
if (!existsSync(chromiumPath)) fail(`no Chromium at ${chromiumPath}: run \`bash test/e2e/setup.sh\` (apt-get install chromium) or set CHROMIUM_PATH`);
const { chromium } = await import('playwright-core').catch(() => fail('playwright-core is not installed (npm ci in the repository root)'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

// ------------------------------------------------------------------ a throwaway world

// Outside the checkout: nothing the workbench does (a Save, a folder picker, a delete) can reach the repository.
const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'model-studio-e2e-'));
const ws = path.join(work, 'ws');
await fsp.mkdir(work, { recursive: true });
await fsp.cp(path.join(here, 'fixtures', 'ws'), ws, { recursive: true });
await fsp.mkdir(path.join(work, 'ud', 'User'), { recursive: true });
await fsp.writeFile(path.join(work, 'ud', 'User', 'settings.json'), JSON.stringify({
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
}, null, 2));
// the extension, as installed: a link named publisher.name-version to this checkout
const extDir = path.join(work, 'ext');
await fsp.mkdir(extDir, { recursive: true });
await fsp.symlink(root, path.join(extDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
await fsp.rm(resultsDir, { recursive: true, force: true });
await fsp.mkdir(resultsDir, { recursive: true });

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serverLog = [];
const server = spawn(process.execPath, [codeServerEntry,
  '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
  '--user-data-dir', path.join(work, 'ud'), '--extensions-dir', extDir,
  '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
  '--ignore-last-opened', ws,
], {
  cwd: work,
  env: { ...process.env, XDG_CONFIG_HOME: path.join(work, 'xdg'), XDG_DATA_HOME: path.join(work, 'xdg'), EXTENSIONS_GALLERY: '{}', SERVICE_URL: '', ITEM_URL: '' },
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true, // its own process group: everything it started ends with it
});
for (const s of [server.stdout, server.stderr]) s.setEncoding('utf8').on('data', (t) => serverLog.push(t));

let browser;
const cleanup = async () => {
  await browser?.close().catch(() => undefined);
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch { /* gone */ }
};
process.on('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});

// ------------------------------------------------------------------ polling helpers

async function until(what, probe, timeoutMs = 30_000, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

await until('code-server /healthz', async () => (await fetch(`${base}/healthz`)).ok, 60_000, 200).catch((err) => {
  console.error(serverLog.join(''));
  return cleanup().then(() => fail(err.message));
});
log(`code-server ${base} (workspace ${ws})`);

// ------------------------------------------------------------------ the browser

browser = await chromium.launchPersistentContext(path.join(work, 'chromium'), {
  executablePath: chromiumPath,
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const blocked = [];
await browser.route('**/*', (route) => {
  const url = new URL(route.request().url());
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.endsWith('.localhost');
  if (loopback || !url.protocol.startsWith('http')) return route.continue();
  blocked.push(url.href);
  return route.abort('blockedbyclient');
});
const page = browser.pages()[0] ?? (await browser.newPage());
const consoleErrors = [];
page.on('pageerror', (err) => consoleErrors.push(err.message));

await page.goto(`${base}/?folder=${encodeURIComponent(ws)}`);
await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 60_000 });
// our activity-bar entry appears once the extension is registered
await page.locator('.activitybar .action-item [aria-label^="Model Studio"]').first().waitFor({ timeout: 60_000 });
log('workbench is up');

// ------------------------------------------------------------------ workbench helpers

const quickInput = '.quick-input-widget';

/**
 * Opens the quick input from the title bar's command center: unlike F1, this works wherever the
 * keyboard focus is (a webview swallows keys).
 */
async function quickOpen(value) {
  const input = page.locator(`${quickInput} input`);
  // a panel that takes the focus as it opens (the dashboard) closes the quick input: open it again
  await until('the quick input', async () => {
    if (!(await input.isVisible())) await page.locator('.command-center .command-center-center').first().click();
    return input.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false);
  }, 30_000, 0);
  await input.fill(value);
  return input;
}

async function palette(text, pick) {
  // the command list is read when the palette opens: reopen it until our command is there
  const row = page.locator(`${quickInput} .monaco-list-row`).filter({ hasText: pick ?? text }).first();
  await until(`the command "${text}"`, async () => {
    const input = await quickOpen(`>${text}`);
    if (await row.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) return true;
    await input.press('Escape');
    return false;
  }, 30_000, 0);
  await acceptFocused(pick ?? text);
}

/** Presses Enter once the focused row is the one wanted (keys, not clicks: nothing can cover them). */
async function acceptFocused(label) {
  const input = page.locator(`${quickInput} input`);
  const focused = page.locator(`${quickInput} .monaco-list-row.focused`).filter({ hasText: label }).first();
  // the wanted row may not be the first (a recently used command ranks higher): walk down to it
  await until(`"${label}" focused in the list`, async () => {
    if (await focused.isVisible()) return true;
    await input.press('ArrowDown');
    return false;
  }, 20_000, 200);
  await input.press('Enter');
}

/** Narrows a quick pick to the row whose label contains `label`, then picks it. */
async function pickRow(label) {
  await page.locator(`${quickInput} .monaco-list-row`).filter({ hasText: label }).first().waitFor({ state: 'visible', timeout: 20_000 });
  await page.locator(`${quickInput} input`).fill(label);
  await acceptFocused(label);
}

async function openFile(name) {
  await quickOpen(name);
  await pickRow(name);
  await page.locator(`.tabs-container .tab.active[aria-label*="${name}"]`).waitFor({ timeout: 15_000 });
}

/** The Models tree's rows' text (label and description). */
async function treeRows() {
  return page.locator('.part.sidebar .monaco-list-row').evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
}

const sidebarTitle = () => page.locator('.part.sidebar .composite.title').first().textContent().catch(() => '');

async function showModels() {
  if (/model studio/i.test(await sidebarTitle())) return;
  await palette('Model Studio: Focus on Models View', 'Focus on Models View');
  await until('the Models view', async () => /model studio/i.test(await sidebarTitle()), 15_000);
}

async function showProblems() {
  await palette('Problems: Focus on Problems View', 'Focus on Problems View');
  await page.locator('.markers-panel').first().waitFor({ timeout: 15_000 });
}

async function runDirs(model) {
  const dir = path.join(ws, 'runs', model);
  try {
    return (await fsp.readdir(dir)).sort().map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

async function readRun(runDir) {
  try {
    return JSON.parse(await fsp.readFile(path.join(runDir, 'run.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

const exists = (p) => fsp.access(p).then(() => true, () => false);

async function newRunOf(model, before) {
  return until(`a new run folder of ${model}`, async () => (await runDirs(model)).find((d) => !before.includes(d)), 60_000);
}

// ------------------------------------------------------------------ scenarios

const scenarios = [
  ['misspelt key: problem at the right line, gone once fixed', async () => {
    await openFile('typo.model.yaml');
    await showProblems();
    const problem = page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'epocs' }).first();
    await problem.waitFor({ timeout: 30_000 });
    const text = await problem.textContent();
    if (!/\[Ln 13, Col 3\]/.test(text ?? '')) throw new Error(`the problem is not at line 13, column 3: ${text}`);
    if (!/did you mean `?epochs/.test(text ?? '')) throw new Error(`the problem does not suggest epochs: ${text}`);
    await until('a squiggle in the editor', () => page.locator('.monaco-editor .squiggly-error').count());
    // fix it as a person would: go to line 13, retype the key
    await page.locator('.monaco-editor .view-lines').first().click();
    await quickOpen(':13');
    await page.keyboard.press('Enter');
    await until('the cursor on line 13', async () => /Ln 13,/.test(await page.locator('.statusbar-item[id*="selection"], .statusbar-item').filter({ hasText: /Ln \d+/ }).first().textContent().catch(() => '')), 10_000);
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('epochs: 3');
    await page.keyboard.press('Escape');
    await until('the problem to disappear', async () => (await page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'epocs' }).count()) === 0 && (await page.locator('.monaco-editor .squiggly-error').count()) === 0, 20_000);
    await page.keyboard.press('Control+S');
  }],

  ['train from the palette: running, then completed; files on disk', async () => {
    // the sidebar first: the run shows `running` from the moment it starts, and the tiny model is quick
    await showModels();
    await openFile('quick.model.yaml');
    const before = await runDirs('quick');
    await palette('Model Studio: Train Model');
    await until('a running run in the sidebar', async () => (await treeRows()).some((t) => /running/.test(t)), 60_000, 50);
    const runDir = await newRunOf('quick', before);
    await until('a completed run in the sidebar', async () => (await treeRows()).some((t) => /completed/.test(t)), 90_000);
    const record = await until('run.json completed', async () => (await readRun(runDir))?.status === 'completed' && readRun(runDir), 20_000);
    for (const f of ['run.json', 'metrics.jsonl', 'model/model.json', 'model/weights.bin']) {
      if (!(await exists(path.join(runDir, f)))) throw new Error(`${f} is missing in ${runDir}`);
    }
    log(`  run ${path.basename(runDir)}: ${record.status}, backend ${record.backend?.name}, ${record.epochs?.completed} epochs`);
  }],

  ['stop a long run: stopped, and its checkpoint loads', async () => {
    await openFile('long.model.yaml');
    const before = await runDirs('long');
    await palette('Model Studio: Train Model');
    const runDir = await newRunOf('long', before);
    await until('a few epochs in metrics.jsonl', async () => (await fsp.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length >= 3, 60_000);
    await until('a checkpoint', () => exists(path.join(runDir, 'checkpoints', 'best', 'model.json')), 30_000);
    await palette('Model Studio: Stop Training');
    await showModels();
    await until('a stopped run in the sidebar', async () => (await treeRows()).some((t) => /stopped/.test(t)), 60_000);
    await until('run.json stopped', async () => (await readRun(runDir))?.status === 'stopped', 20_000);
    const out = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'predict', path.join(runDir, 'checkpoints', 'best'), path.join(ws, 'points.csv'), '--json', '--backend', 'cpu'], { encoding: 'utf8', timeout: 60_000 });
    if (out.status !== 0) throw new Error(`the checkpoint does not load: ${out.stderr || out.stdout}`);
    const first = JSON.parse(out.stdout.split('\n')[0]);
    if (!['yes', 'no'].includes(first.label)) throw new Error(`the checkpoint predicts nonsense: ${out.stdout.slice(0, 200)}`);
  }],

  ['kill the engine from outside: failed with an error; the workbench stays responsive', async () => {
    await openFile('long.model.yaml');
    const before = await runDirs('long');
    await palette('Model Studio: Train Model');
    const runDir = await newRunOf('long', before);
    const record = await until('training under way', async () => {
      const r = await readRun(runDir);
      const lines = (await fsp.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
      return r?.pid && lines >= 2 && r;
    }, 60_000);
    process.kill(record.pid, 'SIGKILL');
    await showModels();
    await until('a failed run in the sidebar', async () => (await treeRows()).some((t) => /failed/.test(t)), 30_000);
    const after = await until('run.json failed', async () => {
      const r = await readRun(runDir);
      return r?.status === 'failed' && r;
    }, 20_000);
    if (!/SIGKILL/.test(after.error?.message ?? '')) throw new Error(`run.json's error does not say what happened: ${JSON.stringify(after.error)}`);
    await page.locator('.notifications-toasts').filter({ hasText: 'training failed' }).first().waitFor({ timeout: 20_000 });
    // still responsive: a command runs and shows its result
    await palette('Model Studio: Show Log');
    await page.locator('.output-view, .part.panel').filter({ hasText: 'ended unexpectedly' }).first().waitFor({ timeout: 20_000 });
    if (!(await exists(path.join(runDir, 'metrics.jsonl')))) throw new Error('metrics.jsonl was lost');
  }],

  ['New Model File…: a file that validates', async () => {
    await palette('Model Studio: New Model File');
    await pickRow('classification');
    // the browser workbench asks for files in its own quick-input file dialog
    const input = page.locator(`${quickInput} input`);
    await until('the file dialog in the workspace folder', async () => (await input.inputValue()).replace(/\/$/, '') === ws, 20_000);
    await input.fill(path.join(ws, 'points.csv'));
    await until('the dialog to take the path', async () => (await input.inputValue()) === path.join(ws, 'points.csv'));
    await input.press('Enter');
    await pickRow('kind');
    const file = path.join(ws, 'points.model.yaml');
    await until('the new model file', () => exists(file), 20_000);
    await page.locator('.tabs-container .tab.active[aria-label*="points.model.yaml"]').waitFor({ timeout: 15_000 });
    const out = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'validate', file], { encoding: 'utf8', timeout: 60_000 });
    if (out.status !== 0) throw new Error(`the new model file does not validate:\n${out.stdout}${out.stderr}`);
    await showProblems();
    await until('no problems for the new file', async () => (await page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'points.model.yaml' }).count()) === 0, 10_000);
  }],

  ['dashboard: live charts grow, report matches report.json, save, deploy answers, try it', async () => {
    await dashboardScenario({ page, until, log, palette, openFile, runDirs, newRunOf, resultsDir, ws, model: 'mid' });
  }],
  ['hover and completion in YAML from the schema (no YAML extension)', async () => {
    await openFile('quick.model.yaml');
    // the cursor on `optimizer` (line 14), then "Show or Focus Hover", as a keyboard user would
    await page.locator('.monaco-editor .view-lines').first().click();
    await quickOpen(':14:5');
    await page.keyboard.press('Enter');
    await until('the cursor on line 14', async () => /Ln 14, Col 5/.test(await page.locator('.statusbar-item').filter({ hasText: /Ln \d+/ }).first().textContent().catch(() => '')), 10_000);
    await palette('Show or Focus Hover');
    await page.locator('.monaco-hover').filter({ hasText: 'Optimiser and its parameters' }).first().waitFor({ timeout: 20_000 });
    await page.keyboard.press('Escape');
    // a new key under `train:` offers the keys that are not there yet
    await page.locator('.monaco-editor .view-lines').first().click();
    await quickOpen(':13');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await palette('Trigger Suggest');
    const suggestion = page.locator('.suggest-widget .monaco-list-row').filter({ hasText: 'earlyStopping' }).first();
    await suggestion.waitFor({ timeout: 20_000 });
    if (await page.locator('.suggest-widget .monaco-list-row').filter({ hasText: /^batchSize/ }).count()) throw new Error('batchSize is offered although it is there already');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Z');
  }],
];

// ------------------------------------------------------------------ run them

let passed = 0;
let failed = 0;
const shots = [];
for (const [i, [name, body]] of scenarios.entries()) {
  if (only.length && !only.some((o) => name.includes(o))) continue;
  const t0 = Date.now();
  let error;
  try {
    await body();
  } catch (err) {
    error = err;
  }
  const shot = path.join(resultsDir, `${i + 1}-${name.split(':')[0].replace(/[^\w]+/g, '-').replace(/-+$/, '')}.png`);
  await page.screenshot({ path: shot }).then(() => shots.push(shot), () => undefined);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (error) {
    failed += 1;
    log(`✗ ${i + 1}. ${name} (${secs}s)\n    ${String(error.stack ?? error).split('\n').slice(0, 4).join('\n    ')}`);
  } else {
    passed += 1;
    log(`✓ ${i + 1}. ${name} (${secs}s)`);
  }
  await page.keyboard.press('Escape').catch(() => undefined);
}

if (blocked.length) {
  log(`✗ the workbench tried to reach ${blocked.length} non-loopback address(es), all blocked: ${[...new Set(blocked.map((u) => new URL(u).host))].join(', ')}`);
}
for (const s of shots) console.log(`screenshot: ${path.relative(process.cwd(), s)}`);
if (failed) {
  const logFile = path.join(resultsDir, 'code-server.log');
  await fsp.writeFile(logFile, serverLog.join(''));
  console.log(`code-server log: ${path.relative(process.cwd(), logFile)}`);
  // the extension's own log, from the throwaway user-data dir
  const extLogs = spawnSync('find', [path.join(work, 'ud', 'logs'), '-name', '*Model Studio*'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  for (const f of extLogs) {
    const dest = path.join(resultsDir, `extension-${path.basename(path.dirname(f))}.log`);
    await fsp.copyFile(f, dest).catch(() => undefined);
    console.log(`extension log: ${path.relative(process.cwd(), dest)}`);
  }
}
await cleanup();
if (!failed) await fsp.rm(work, { recursive: true, force: true }).catch(() => undefined);
log(`done in ${((Date.now() - started) / 1000).toFixed(0)}s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
