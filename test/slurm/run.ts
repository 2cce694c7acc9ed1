/**
 * `npm run test:slurm`: the cluster tests against a real single-node SLURM on 127.0.0.1.
 *
 * 1. test/slurm/setup.sh installs (apt-get) and starts slurmctld, slurmd and munged when no cluster answers;
 *    where SLURM cannot be installed (no root or sudo, no apt-get, packages unavailable) the tests are
 *    skipped with a message saying so, and the command exits 0.
 * 2. The CLI bundle is built (jobs run dist/cli.js, as a real install's nodes would).
 * 3. node --test runs test/slurm/*.test.ts (two files at a time: the time-limit test waits on SLURM).
 * 4. Daemons a test started are stopped by the last test using them (lease.ts: two runs may share one
 *    machine); daemons started by hand stay up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { acquireCluster, releaseCluster } from './lease';

const root = path.resolve(__dirname, '..', '..');
const t0 = Date.now();
const say = (m: string) => process.stdout.write(`[test:slurm ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${m}\n`);

function main(): number {
  const lease = acquireCluster();
  if (!lease.ok) {
    say(lease.skipped ? `SKIPPED: ${lease.message}; the cluster tests did not run` : lease.message);
    return lease.skipped ? 0 : 1;
  }
  try {
    say('building the CLI and engine bundles (dist/cli.js, which the jobs run; dist/engine.js, which the editor forks)');
    const build = spawnSync(process.execPath, [path.join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) return build.status ?? 1;
    const only = process.argv.slice(2);
    const files = only.length > 0 ? only : ['test/slurm/cluster.test.ts', 'test/slurm/timeLimit.test.ts', 'test/slurm/sweep.test.ts', 'test/slurm/editor.test.ts'].filter((f) => existsSync(path.join(root, f)));
    const tests = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
    say(`done (exit ${tests.status})`);
    return tests.status ?? 1;
  } finally {
    say(releaseCluster());
  }
}

process.exitCode = main();
