/**
 * Untrusted workspaces (README): nothing but the model file is read until trusted, and every command that
 * runs code, writes or deletes is gated (package.json enablement and requireTrust in the command).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { TRUSTED_ONLY_COMMANDS, validationOptions } from '../../../src/host/trustPolicy';
import { validateModelText } from '../../../src/modelFile';

const ROOT = path.resolve(__dirname, '../../..');

test('commands that run, write or delete are disabled in untrusted workspaces, and check trust themselves', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string; enablement?: string }> } };
  for (const id of TRUSTED_ONLY_COMMANDS) {
    const c = pkg.contributes.commands.find((x) => x.command === id);
    assert.equal(c?.enablement, 'isWorkspaceTrusted', `${id} has enablement isWorkspaceTrusted`);
    const file = path.join(ROOT, 'src', 'commands', `${id.replace('modelStudio.', '')}.ts`);
    assert.match(readFileSync(file, 'utf8'), /requireTrust\(/, `${file} calls requireTrust`);
  }
});

test('untrusted: validation reads only the model file (a data source that is a pipe is not even opened)', { timeout: 20_000 }, async () => {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'ms-trust-')));
  try {
    execFileSync('mkfifo', [path.join(dir, 'pipe.csv')]);
    const text = 'name: t\ntask: classification\ndata: { source: pipe.csv, label: y }\nmodel:\n  layers:\n    - { type: dense, units: 4 }\n';
    writeFileSync(path.join(dir, 'm.model.yaml'), text);
    assert.deepEqual(validationOptions(false), { checkData: false });
    const untrusted = await validateModelText(text, path.join(dir, 'm.model.yaml'), { workspaceRoot: dir, ...validationOptions(false) });
    assert.ok(untrusted.spec, untrusted.problems.map((p) => p.message).join('\n'));
    const trusted = await validateModelText(text, path.join(dir, 'm.model.yaml'), { workspaceRoot: dir, ...validationOptions(true) });
    assert.match(trusted.problems.map((p) => p.message).join('\n'), /named pipe/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
