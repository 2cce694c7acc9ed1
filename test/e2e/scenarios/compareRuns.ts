import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { cli, until } from '../world';

/** "2026-12-02 10:57:13" as the sidebar labels the run folder 2026-12-02T10-57-13-123Z. */
const label = (runDir: string) => path.basename(runDir).replace(/^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}).*$/, '$1 $2:$3:$4');

/** Two runs of quick.model.yaml that differ in the learning rate, trained by the CLI (a few seconds each). */
async function trainTwo(w: Parameters<Scenario['workbench']>[0]): Promise<string[]> {
  const dirs: string[] = [];
  for (const lr of ['0.05', '0.005']) {
    // the sidebar labels runs to the second: start the second run in a later second than the first
    if (dirs.length) await until('a later second than the first run', () => label(new Date().toISOString().replace(/:/g, '-').replace('.', '-')) !== label(dirs[0]), 5_000, 50);
    const r = cli(w, ['train', path.join(w.ws, 'quick.model.yaml'), '--set', `train.optimizer.learningRate=${lr}`, '--json']);
    const done = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { run?: string; status?: string };
    if (r.status !== 0 || !done.run) throw new Error(`model-studio train failed (${r.status}): ${r.stderr}`);
    dirs.push(done.run);
  }
  if (label(dirs[0]) === label(dirs[1])) throw new Error(`two runs labelled ${label(dirs[0])}: cannot tell their rows apart`);
  return dirs;
}

export const compareRuns: Scenario = {
  name: 'compare two runs from the sidebar: both curves, the changed parameter',

  async workbench(w, wb) {
    const { page, resultsDir } = wb;
    await wb.closeAllEditors();
    const [a, b] = await trainTwo(w);
    await wb.showModels();
    const row = (dir: string) => page.locator('.part.sidebar .monaco-list-row').filter({ hasText: label(dir) }).first();
    await until('both runs in the sidebar', async () => (await row(a).isVisible()) && (await row(b).isVisible()), 60_000);
    // select both (click, then Ctrl+click), then the context menu's Compare Runs…
    await row(a).click();
    await row(b).click({ modifiers: ['Control'] });
    await until('two rows selected', async () => (await page.locator('.part.sidebar .monaco-list-row.selected').count()) === 2, 10_000);
    // The menu ignores a click that lands while it is still opening (seen on a loaded machine: the menu stayed
    // open with the item highlighted): until the compare view's tab is there, click the item again while the
    // menu shows, or open the menu again once it has closed.
    const item = page.locator('.context-view .action-label', { hasText: 'Compare Runs…' }).first();
    const compareTab = page.locator('.tabs-container .tab').filter({ hasText: 'Compare 2 runs' }).first();
    let clickedAt = 0;
    await until('the compare view from the context menu', async () => {
      if (await compareTab.isVisible()) return true;
      if (await item.isVisible()) {
        await item.click({ timeout: 2000 });
        clickedAt = Date.now();
      } else if (Date.now() - clickedAt > 10_000) {
        await row(b).click({ button: 'right', timeout: 2000 }); // (a clicked item gets 10 s to open its view first)
      }
      return false;
    }, 90_000, 1000);
    if (await item.isVisible()) await page.keyboard.press('Escape');

    const frame = wb.dashboard();
    const chart = frame.locator('[data-testid="chart-loss"]');
    await until('the loss chart of both runs', async () => (await chart.getAttribute('data-series').catch(() => null)) === '2', 60_000);
    await until('both runs\' points', async () => Number(await chart.getAttribute('data-points')) >= 2 * 2, 30_000);
    const legend = (await frame.locator('[data-testid="run-legend"]').textContent()) ?? '';
    for (const dir of [a, b]) if (!legend.includes(label(dir))) throw new Error(`the legend does not name ${label(dir)}: ${legend}`);
    // what changed: the learning rate, and nothing the two runs share
    const changed = frame.locator('[data-testid="diff-changed"]');
    const paths = await changed.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
    if (!paths.includes('train.optimizer.learningRate')) throw new Error(`the diff does not show the learning rate: ${paths.join(', ')}`);
    const lrRow = (await changed.filter({ has: frame.locator('td', { hasText: 'train.optimizer.learningRate' }) }).first().textContent()) ?? '';
    if (!/0\.05/.test(lrRow) || !/0\.005/.test(lrRow)) throw new Error(`the learning-rate row does not show 0.05 and 0.005: ${lrRow}`);
    // the table marks a best value in its metric columns
    await until('a best value marked', async () => (await frame.locator('[data-testid="compare-table"] td[data-best="true"]').count()) > 0, 10_000);
    const shot = path.join(resultsDir, 'compare-runs.png');
    await page.screenshot({ path: shot });
    w.log(`  screenshot: ${shot}`);
    await frame.locator('[data-testid="spec-diff"]').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    const diffShot = path.join(resultsDir, 'compare-runs-diff.png');
    await page.screenshot({ path: diffShot });
    w.log(`  screenshot: ${diffShot}`);

    // the runs table of the model: both runs listed, sortable by a metric
    await wb.closeAllEditors();
    await wb.palette('Model Studio: Show Runs Table');
    await wb.pickRow('quick');
    const table = wb.dashboard();
    const rows = table.locator('[data-testid="runs-table"] [data-testid="run-row"]');
    await until('the runs of quick in the table', async () => (await rows.count()) >= 2, 30_000);
    await table.locator('[data-testid="col-best:val_loss"]').click();
    const bestLoss = () => rows.evaluateAll((els) => els.map((e) => Number(e.querySelector('[data-col="best:val_loss"]')?.textContent?.replace(/[^0-9.e-]/g, '') ?? NaN)));
    await until('the header marks the sort', async () => /[▲▼]/.test((await table.locator('[data-testid="col-best:val_loss"]').textContent()) ?? ''), 10_000);
    const order = await bestLoss();
    const finite = order.filter((v) => Number.isFinite(v));
    if (finite.length < 2) throw new Error(`fewer than two runs show a best val_loss: ${order.join(', ')}`);
    if (finite.some((v, i) => i > 0 && v < finite[i - 1])) throw new Error(`sorted by best val_loss, the rows are not in order: ${order.join(', ')}`);
    const tableShot = path.join(resultsDir, 'runs-table.png');
    await page.screenshot({ path: tableShot });
    w.log(`  screenshot: ${tableShot}`);
  },

  async api(w, vscode) {
    const [a, b] = await trainTwo(w);
    // the sidebar hands the command (clicked node, selected nodes)
    const node = (runDir: string) => ({ kind: 'run', entry: { runDir } });
    await vscode.commands.executeCommand('modelStudio.compareRuns', node(b), [node(a), node(b)]);
    await until('the compare view', () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => /^Compare 2 runs/.test(t.label))), 30_000);
  },
};
