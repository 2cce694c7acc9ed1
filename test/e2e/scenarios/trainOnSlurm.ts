import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { newRunOf, readRun, runDirs, until } from '../world';
import { acquireCluster, releaseCluster } from '../../slurm/lease';

const TARGET = 'e2e-slurm';
const TARGETS = `# the single-node cluster of test/slurm/setup.sh
targets:
  ${TARGET}: { type: slurm, partition: debug, cpusPerTask: 1, mem: 600M, time: "00:10:00", pollSeconds: 2 }
`;

/**
 * "Train on…" the local SLURM target from the workbench: the job is submitted, the dashboard fills with the
 * job's live metrics and then its report, the sidebar and run.json say completed with the job's id.
 * Starts test/slurm/setup.sh's cluster when none answers (and stops it after, unless another test uses it);
 * where SLURM cannot be installed it says SKIPPED and passes.
 */
export const trainOnSlurm: Scenario = {
  name: 'Train on… a SLURM target: queued, then the dashboard fills from the job, completed',

  async workbench(w, wb) {
    const lease = acquireCluster('pipe');
    if (!lease.ok) {
      if (!lease.skipped) throw new Error(lease.message);
      w.log(`  SKIPPED: ${lease.message}`);
      return;
    }
    try {
      await fsp.mkdir(path.join(w.ws, '.model-studio'), { recursive: true });
      await fsp.writeFile(path.join(w.ws, '.model-studio', 'targets.yaml'), TARGETS);
      await wb.closeAllEditors();
      await wb.openFile('quick.model.yaml');
      const before = await runDirs(w, 'quick');
      await wb.palette('Model Studio: Train on…');
      await wb.pickRow(TARGET);
      const runDir = await newRunOf(w, 'quick', before);
      const jobId = await until('the job id in run.json', async () => (await readRun(runDir))?.slurm?.jobId, 30_000);
      const frame = wb.dashboard();
      const chart = frame.locator('[data-testid="chart-loss"]');
      await until('loss points from the job', async () => Number(await chart.getAttribute('data-points')) > 0, 120_000);
      await until('the report', async () => (await frame.locator('[data-testid="cm-cell"]').count()) > 0, 120_000);
      const status = frame.locator('[data-testid="status"]');
      await until('the dashboard says completed', async () => (await status.textContent()) === 'completed', 60_000);
      const record = await readRun(runDir);
      if (record?.status !== 'completed' || record.target !== TARGET || record.slurm?.state !== 'COMPLETED') {
        throw new Error(`run.json: status ${record?.status}, target ${record?.target}, SLURM state ${record?.slurm?.state}`);
      }
      await wb.showModels();
      await until('a completed run in the sidebar', async () => (await wb.treeRows()).some((t) => /completed/.test(t)), 30_000);
      const shot = path.join(wb.resultsDir, 'dashboard-slurm.png');
      await wb.page.screenshot({ path: shot });
      w.log(`  job ${jobId}: ${record.status}; screenshot: ${shot}`);
    } finally {
      await fsp.rm(path.join(w.ws, '.model-studio'), { recursive: true, force: true });
      w.log(`  ${releaseCluster()}`);
    }
  },
};
