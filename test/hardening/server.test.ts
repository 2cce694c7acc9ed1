/**
 * The server against the table of bad requests (SERVER_CASES in cases.ts), as people run it: `model-studio
 * serve` in its own process. Every case gets a 4xx JSON answer that names the field or the limit, `/ping`
 * answers after each, and the server's resident memory stays bounded after the zlib bomb and the largest
 * request it accepts (measured from outside, in /proc).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IMAGE_PREP, IRIS_PREP, saveMediaModel, saveTinyModel } from '../unit/serve/fixtures';
import { SERVER_CASES, SERVER_RSS_MB, type ServerCase } from './cases';
import { LAUNCH, rssMb } from './harness';

interface Served { child: ChildProcess; url: string; port: number }

/** `model-studio serve DIR --port 0`, resolved with its URL once it prints that it listens. */
function serve(dir: string, name: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCH, 'serve', dir, '--name', name, '--port', '0', '--backend', 'cpu'], { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = / on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) resolve({ child, url: m[1], port: Number(m[2]) });
    });
    child.stderr?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.once('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${out}`)));
  });
}

/** Sends raw bytes and half-closes; resolves with everything the server wrote back. */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.end(bytes); });
    let got = '';
    socket.on('data', (d: Buffer) => { got += d.toString('utf8'); });
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
  });
}

async function answer(s: Served, c: ServerCase): Promise<{ status: number; message: string }> {
  const body = c.body();
  if (c.raw) {
    const reply = await rawRequest(s.port, body);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
    return { status, message: reply.slice(reply.indexOf('\r\n\r\n') + 4) };
  }
  const res = await fetch(`${s.url}${c.path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`not a JSON answer (${res.status}): ${text.slice(0, 300)}`);
  }
  return { status: res.status, message: String(json.error ?? json.message ?? JSON.stringify(json).slice(0, 500)) };
}

describe('hardening: the server on bad requests', () => {
  const top = mkdtempSync(path.join(tmpdir(), 'ms-hardening-serve-'));
  const servers: Partial<Record<ServerCase['model'], Served>> = {};

  before(async () => {
    await saveTinyModel(path.join(top, 'iris'), IRIS_PREP);
    await saveMediaModel(path.join(top, 'img'), IMAGE_PREP);
    [servers.iris, servers.img] = await Promise.all([serve(path.join(top, 'iris'), 'iris'), serve(path.join(top, 'img'), 'img')]);
  });
  after(() => {
    for (const s of Object.values(servers)) s?.child.kill('SIGKILL');
    rmSync(top, { recursive: true, force: true });
  });

  for (const c of SERVER_CASES) {
    it(`${c.model}: ${c.name}`, async (t) => {
      const s = servers[c.model];
      assert.ok(s, 'the server started');
      const r = await answer(s, c);
      assert.equal(r.status, c.status, r.message);
      for (const re of c.says) assert.match(r.message, re);
      assert.doesNotMatch(r.message, /internal error|RangeError|TypeError|\n\s+at /, 'no crash in the answer');
      assert.equal((await fetch(`${s.url}/ping`)).status, 200, '/ping answers afterwards');
      const rss = await rssMb(s.child.pid ?? 0);
      if (rss !== undefined) t.diagnostic(`server RSS after it: ${rss.toFixed(0)} MB`);
      if (rss !== undefined) assert.ok(rss < SERVER_RSS_MB, `server RSS ${rss.toFixed(0)} MB < ${SERVER_RSS_MB} MB after this request`);
    });
  }
});
