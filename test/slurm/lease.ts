/**
 * The single-node SLURM of test/slurm/setup.sh, shared by whoever tests against it (`npm run test:slurm`, the
 * e2e "Train on…" scenario; two of them may run at once on one machine). Each user registers in USERS while it
 * uses the cluster; daemons a test started are stopped by the last user to leave; daemons started by hand
 * (`bash test/slurm/setup.sh`) stay up.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SETUP = path.join(__dirname, 'setup.sh');
/** one file per process using the cluster, named by its pid */
const USERS = path.join(os.tmpdir(), 'model-studio-slurm-users');

export type Lease = { ok: true } | { ok: false; skipped: boolean; message: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The other processes still using the cluster (files of dead ones are removed). */
function otherUsers(): number[] {
  let names: string[] = [];
  try {
    names = readdirSync(USERS);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    const pid = Number(n);
    if (pid === process.pid) continue;
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) out.push(pid);
    else rmSync(path.join(USERS, n), { force: true });
  }
  return out;
}

/**
 * Starts the cluster when none answers (installing SLURM with apt-get where it is missing). `skipped`: SLURM
 * cannot be installed here (no root or sudo, no apt-get, no packages); otherwise a failure is a failure.
 */
export function acquireCluster(stdio: 'inherit' | 'pipe' = 'inherit'): Lease {
  mkdirSync(USERS, { recursive: true });
  writeFileSync(path.join(USERS, String(process.pid)), '');
  const setup = spawnSync('bash', [SETUP], { stdio, encoding: 'utf8', env: { ...process.env, MS_SLURM_STARTED_BY: 'test' } });
  if (setup.status === 0) return { ok: true };
  const words = `${setup.stdout ?? ''}${setup.stderr ?? ''}`.trim();
  if (setup.status === 3) {
    rmSync(path.join(USERS, String(process.pid)), { force: true });
    return { ok: false, skipped: true, message: `SLURM cannot be installed on this machine${words ? `: ${words}` : ''}` };
  }
  releaseCluster();
  return { ok: false, skipped: false, message: `test/slurm/setup.sh failed (exit ${setup.status}${words ? `: ${words}` : ''}): see /var/log/slurm/ for the daemons' logs` };
}

/** Leaves the cluster: stops it when a test started it and nobody else is using it. Says what it did. */
export function releaseCluster(): string {
  rmSync(path.join(USERS, String(process.pid)), { force: true });
  const owner = spawnSync('bash', [SETUP, '--owner'], { encoding: 'utf8' }).stdout?.trim();
  if (owner !== 'test') return 'SLURM left as it was (not started by a test)';
  const others = otherUsers();
  if (others.length > 0) return `SLURM left up: another test (pid ${others.join(', ')}) is using it; the last one stops it`;
  const stop = spawnSync('bash', [SETUP, '--stop'], { encoding: 'utf8' });
  return (stop.stdout ?? '').trim() || `setup.sh --stop: exit ${stop.status}`;
}
