import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { newRunOf, runDirs, until } from '../world';

/** mid.model.yaml trains for ~10 s, long enough to see the chart grow. */
const MODEL = 'mid';

interface ReportJson { n: number; summary: { accuracy: number } }

/** The dashboard of a run, from the first chart point to Try it (checked by hand first: passed in 37 s). */
export const dashboard: Scenario = {
  name: 'dashboard: live charts grow, report matches report.json, save, deploy answers, try it',

  async workbench(w, wb) {
    const { page, resultsDir } = wb;
    // Earlier scenarios' dashboards are webviews too: close every editor so the only webview on the
    // page is this run's (the frame locator below must not find an older, finished panel).
    await wb.closeAllEditors();
    await wb.openFile(`${MODEL}.model.yaml`);
    const before = await runDirs(w, MODEL);
    await wb.palette('Model Studio: Train Model'); // the train command opens the dashboard
    const frame = wb.dashboard();
    const chart = frame.locator('[data-testid="chart-loss"]');
    await chart.waitFor({ timeout: 60_000 });
    const runDir = await newRunOf(w, MODEL, before);

    // live: the loss chart's point count grows while the run trains
    const first = await until('loss points', async () => Number(await chart.getAttribute('data-points')) || 0, 60_000);
    await until('more loss points', async () => Number(await chart.getAttribute('data-points')) > first, 60_000, 50);
    const mid = path.join(resultsDir, 'dashboard-mid-training.png');
    await page.screenshot({ path: mid });
    w.log(`  screenshot: ${mid}`);

    // the end: the confusion matrix sums to the test split, the accuracy is report.json's
    // 2,500 epochs: ~10 s on an idle machine, minutes on a loaded 2-core one (3 min seen): a bound, not a wait
    await until('the confusion matrix', async () => (await frame.locator('[data-testid="cm-cell"]').count()) > 0, 600_000);
    const report = JSON.parse(await fsp.readFile(path.join(runDir, 'report.json'), 'utf8')) as ReportJson;
    const counts = (await frame.locator('[data-testid="cm-cell"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-count')))).map(Number);
    const sum = counts.reduce((a, b) => a + b, 0);
    if (sum !== report.n) throw new Error(`confusion-matrix cells sum to ${sum}, the test split has ${report.n}`);
    const accuracy = Number(await frame.locator('[data-testid="accuracy"]').getAttribute('data-value'));
    if (accuracy !== report.summary.accuracy) throw new Error(`the dashboard shows accuracy ${accuracy}, report.json has ${report.summary.accuracy}`);
    const end = path.join(resultsDir, 'dashboard-end.png');
    // the webview scrolls inside its iframe: bring the report into view for the picture
    await frame.locator('[data-testid="report"]').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: end });
    w.log(`  screenshot: ${end}`);

    // save: the browser workbench asks for the folder in its own quick-input dialog, which completes
    // as you type: replace its whole value, then press its OK button
    const outDir = path.join(w.ws, 'exported');
    await fsp.mkdir(outDir, { recursive: true });
    await frame.locator('[data-testid="btn-save"]').click();
    const input = wb.input;
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    // The dialog fills in the workspace folder as it opens and completes as you type; a keystroke that
    // lands before it is ready is lost, so clear and type again until the field holds exactly the path.
    await until('the typed path', async () => {
      if ((await input.inputValue()) === `${outDir}/`) return true;
      await input.fill('');
      await input.pressSequentially(`${outDir}/`, { delay: 5 });
      return (await input.inputValue()) === `${outDir}/`;
    }, 30_000, 250);
    await page.locator('.quick-input-widget .monaco-button').filter({ hasText: 'Save Model Here' }).first().click();
    await until('the saved model files', async () => {
      const files = await fsp.readdir(outDir);
      return ['model.json', 'weights.bin', 'preprocessing.json'].every((f) => files.includes(f));
    }, 30_000);
    // said once, in the dashboard where the button was: no second notification
    await until('the dashboard saying what it saved', async () => /Saved 3 files to/.test((await frame.locator('[data-testid="notice"]').textContent({ timeout: 1000 })) ?? ''), 20_000);
    const toasts = await page.locator('.notifications-toasts').filter({ hasText: /saved \d+ files/i }).count();
    if (toasts) throw new Error('"Saved 3 files" was said twice: in the dashboard and in a notification');

    // deploy: a URL that answers a predict request
    await frame.locator('[data-testid="btn-deploy"]').click();
    const url = await until('the deploy URL', async () => (await frame.locator('[data-testid="deploy-url"]').textContent({ timeout: 500 })) || false, 60_000);
    const res = await fetch(`${url.replace(/\/$/, '')}/v1/models/${MODEL}:predict`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [{ x1: 1, x2: 1, x3: 0.5 }] }),
    });
    const body = (await res.json()) as { predictions?: unknown };
    if (res.status !== 200 || !Array.isArray(body.predictions)) throw new Error(`predict answered ${res.status}: ${JSON.stringify(body)}`);
    // the curl example sends a real row of the test split (not zeros)
    const curl = (await frame.locator('[data-testid="curl"]').textContent()) ?? '';
    const sent = (JSON.parse(curl.slice(curl.indexOf("-d '") + 4, curl.lastIndexOf("'"))) as { instances: Array<Record<string, number>> }).instances[0];
    const rows = (await fsp.readFile(path.join(w.ws, 'points.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).map(Number));
    if (!rows.some((r) => r[0] === sent.x1 && r[1] === sent.x2 && r[2] === sent.x3)) throw new Error(`the curl example sends ${JSON.stringify(sent)}, not a row of points.csv`);

    // try it: one record from the form
    await frame.locator('[data-testid="field-x1"] input').fill('1.2');
    await frame.locator('[data-testid="predict"]').click();
    await until('a prediction', async () => (await frame.locator('[data-testid="prediction-label"]').count()) > 0, 60_000);

    // hide and show: the panel comes back with its report
    await wb.openFile(`${MODEL}.model.yaml`);
    await page.locator('.tabs-container .tab').filter({ hasText: MODEL }).filter({ hasNotText: 'yaml' }).first().click();
    await until('the report after hide/show', async () => (await frame.locator('[data-testid="cm-cell"]').count()) > 0, 30_000);

    await frame.locator('[data-testid="btn-stop-server"]').click();
    await until('the server box to close', async () => (await frame.locator('[data-testid="deploy-url"]').count()) === 0, 30_000);
  },
};
