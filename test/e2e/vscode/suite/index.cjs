// Runs inside desktop VS Code's extension host (@vscode/test-electron): the five end-to-end
// scenarios through the API. Polls for results; never sleeps a fixed time.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs/promises');
const path = require('node:path');
const vscode = require('vscode');

const ws = process.env.MODEL_STUDIO_TEST_WS;
const root = process.env.MODEL_STUDIO_ROOT;

async function until(what, probe, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100)); // poll interval
  }
}
const readRun = async (dir) => JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8'));
const runDirs = async (model) => (await fs.readdir(path.join(ws, 'runs', model)).catch(() => [])).sort().map((n) => path.join(ws, 'runs', model, n));
const newRun = async (model, before) => until(`a run of ${model}`, async () => (await runDirs(model)).find((d) => !before.includes(d)));
const file = (name) => vscode.Uri.file(path.join(ws, name));

const scenarios = {
  async 'misspelt key: problem at the right line, gone once fixed'() {
    const uri = file('typo.model.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const d = await until('the problem', async () => vscode.languages.getDiagnostics(uri).find((x) => x.message.includes('epocs')));
    if (d.range.start.line !== 12 || d.range.start.character !== 2) throw new Error(`problem at ${d.range.start.line + 1}:${d.range.start.character + 1}, expected 13:3`);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, d.range, 'epochs');
    await vscode.workspace.applyEdit(edit);
    await until('the problem to go', async () => !vscode.languages.getDiagnostics(uri).some((x) => x.message.includes('epocs')));
    await doc.save();
  },
  async 'train: completed, files on disk'() {
    const before = await runDirs('quick');
    await vscode.commands.executeCommand('modelStudio.train', file('quick.model.yaml'));
    const dir = await newRun('quick', before);
    await until('completed', async () => (await readRun(dir)).status === 'completed', 120000);
    for (const f of ['run.json', 'metrics.jsonl', 'model/model.json']) await fs.access(path.join(dir, f));
  },
  async 'stop a long run: stopped, checkpoint loads'() {
    const before = await runDirs('long');
    await vscode.commands.executeCommand('modelStudio.train', file('long.model.yaml'));
    const dir = await newRun('long', before);
    await until('a checkpoint', async () => (await fs.access(path.join(dir, 'checkpoints', 'best', 'model.json')), true));
    await vscode.commands.executeCommand('modelStudio.stopTraining', file('long.model.yaml'));
    await until('stopped', async () => (await readRun(dir)).status === 'stopped');
    const out = spawnSync('node', [path.join(root, 'dist', 'cli.js'), 'predict', path.join(dir, 'checkpoints', 'best'), path.join(ws, 'points.csv'), '--json'], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`checkpoint does not load: ${out.stderr}`);
  },
  async 'killed engine: failed, editor responsive'() {
    const before = await runDirs('long');
    await vscode.commands.executeCommand('modelStudio.train', file('long.model.yaml'));
    const dir = await newRun('long', before);
    const r = await until('training', async () => {
      const rec = await readRun(dir);
      return rec.pid && (await fs.readFile(path.join(dir, 'metrics.jsonl'), 'utf8')).trim() && rec;
    });
    process.kill(r.pid, 'SIGKILL');
    await until('failed', async () => (await readRun(dir)).status === 'failed');
    await vscode.commands.executeCommand('modelStudio.showLog');
  },
  async 'New Model File: validates'() {
    const target = await vscode.commands.executeCommand('modelStudio.newModelFile', { task: 'classification', data: path.join(ws, 'points.csv'), label: 'kind' });
    if (typeof target !== 'string') throw new Error('no file written');
    const errors = await vscode.commands.executeCommand('modelStudio.validateModelFile', vscode.Uri.file(target));
    if (errors !== 0) throw new Error(`${errors} errors in ${target}`);
  },
};

exports.run = async function run() {
  await vscode.extensions.getExtension('model-studio.model-studio')?.activate();
  let passed = 0;
  let failed = 0;
  for (const [name, body] of Object.entries(scenarios)) {
    try {
      await body();
      passed += 1;
      console.log(`✓ ${name}`);
    } catch (err) {
      failed += 1;
      console.log(`✗ ${name}: ${err && err.stack ? err.stack : err}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (failed) throw new Error(`${failed} scenario(s) failed`);
};
