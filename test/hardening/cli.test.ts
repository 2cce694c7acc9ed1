/**
 * The command line against the table of bad inputs (cases.ts): every case ends by itself, within its time
 * and memory bounds, with the expected exit code and a message naming the file and the field or row.
 * Runs the bundled CLI (dist/cli.js): `npm run test:hardening` builds it first.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IRIS_PREP, saveTinyModel } from '../unit/serve/fixtures';
import { CLI_CASES, type Fixtures } from './cases';
import { REPO, runCli, workspace } from './harness';

describe('hardening: the command line on bad input', { concurrency: 2 }, () => {
  let fixtures: Fixtures;
  let shared = '';

  before(async () => {
    assert.ok(existsSync(path.join(REPO, 'dist', 'cli.js')), 'dist/cli.js is built (npm run test:hardening builds it)');
    shared = mkdtempSync(path.join(tmpdir(), 'ms-hardening-model-'));
    const modelDir = path.join(shared, 'model');
    await saveTinyModel(modelDir, IRIS_PREP);
    fixtures = {
      modelDir,
      copyModel: (ws, rel) => {
        const to = ws.file(rel);
        cpSync(modelDir, to, { recursive: true });
        return to;
      },
    };
  });
  after(() => { if (shared) rmSync(shared, { recursive: true, force: true }); });

  for (const c of CLI_CASES) {
    it(`${c.category}: ${c.name}`, async (t) => {
      const ws = workspace();
      try {
        const args = await c.setup(ws, fixtures);
        const maxMs = c.maxMs ?? 30_000;
        const r = await runCli(args, ws.root, maxMs);
        const shown = `model-studio ${args.join(' ')} →\n${r.output.slice(0, 2000)}`;
        t.diagnostic(`exit ${r.code} after ${(r.ms / 1000).toFixed(1)} s, peak RSS ${r.maxRssMb?.toFixed(0) ?? '?'} MB`);
        assert.equal(r.timedOut, false, `ended by itself within ${maxMs} ms (a hang otherwise): ${shown}`);
        if (c.code === undefined) assert.ok(r.code === 1 || r.code === 2, `exit code 1 or 2 (${r.code}): ${shown}`);
        else assert.equal(r.code, c.code, `exit code: ${shown}`);
        for (const re of c.says) assert.match(r.output, re, shown);
        assert.doesNotMatch(r.output, /internal error|Maximum call stack|RangeError|TypeError|\n\s+at .+:\d+:\d+\)/, `no crash or stack trace: ${shown}`);
        const maxRss = c.maxRssMb ?? 450;
        assert.ok(r.maxRssMb !== undefined && r.maxRssMb < maxRss, `peak memory ${r.maxRssMb?.toFixed(0)} MB < ${maxRss} MB: ${shown}`);
        c.then?.(ws, r.output);
      } finally {
        ws.dispose();
      }
    });
  }
});
