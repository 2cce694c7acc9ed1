import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from '../scenario';
import type { Workbench } from '../workbench';
import { exists, newRunOf, readRun, runDirs, until } from '../world';

const IRIS = { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5 };

/** Clicks a step of the open walkthrough, then the button in it. */
async function walkthroughButton(wb: Workbench, step: string, label: string): Promise<void> {
  const { page } = wb;
  const tab = page.locator('.tabs-container .tab').filter({ hasText: 'Walkthrough' }).first();
  await tab.click();
  const container = page.locator('.gettingStartedContainer');
  await container.locator('.getting-started-step').filter({ hasText: step }).first().click();
  const button = container.locator('.getting-started-step.expanded .button-link, .getting-started-step.expanded a').filter({ hasText: label }).first();
  await button.waitFor({ state: 'visible', timeout: 20_000 });
  await button.click();
}

/**
 * Getting started, as a new user: the walkthrough's buttons open the iris example (copied into the
 * workspace), train it, show its report and deploy it; the server answers a predict request.
 */
export const walkthrough: Scenario = {
  name: 'getting started: the walkthrough opens the iris example, trains it, shows the report, deploys it',

  async workbench(w, wb) {
    const { page } = wb;
    await wb.closeAllEditors();
    await wb.palette('Welcome: Open Walkthrough', 'Open Walkthrough');
    await wb.pickRow('Get Started with Model Studio');
    await page.locator('.gettingStartedContainer').getByText('Open the Iris Example').click();
    const modelFile = path.join(w.ws, 'iris', 'iris.model.yaml');
    await until('the iris example copied into the workspace', async () => (await exists(modelFile)) && exists(path.join(w.ws, 'iris', 'iris.csv')), 30_000);
    await page.locator('.tabs-container .tab.active[aria-label*="iris.model.yaml"]').waitFor({ timeout: 20_000 });

    const before = await runDirs(w, 'iris');
    await walkthroughButton(wb, 'Train it', 'Train Model');
    // several model files here: it asks which, with the one just opened first
    await page.locator('.quick-input-widget .monaco-list-row.focused').filter({ hasText: 'last opened' }).waitFor({ timeout: 20_000 });
    await wb.acceptFocused('iris');
    const runDir = await newRunOf(w, 'iris', before);
    const frame = wb.dashboard();
    await wb.dashboardShows('completed', 100);
    await until('the report', async () => (await frame.locator('[data-testid="cm-cell"]').count()) > 0, 60_000);
    const accuracy = Number(await frame.locator('[data-testid="accuracy"]').getAttribute('data-value'));
    if (!(accuracy >= 0.9)) throw new Error(`the iris example reached a test accuracy of ${accuracy}`);

    // "Read the report" opens a dashboard of a run it asks for: the newest (this one) is first
    await wb.closeAllEditors();
    await wb.palette('Welcome: Open Walkthrough', 'Open Walkthrough');
    await wb.pickRow('Get Started with Model Studio');
    await walkthroughButton(wb, 'Read the report', 'Open Dashboard');
    // (the walkthrough's own text is a webview too: wait for the dashboard's, not any)
    await wb.pickIfAsked('iris · ', () => wb.dashboardOpen());
    await until('the reopened report', async () => (await frame.locator('[data-testid="cm-cell"]').count()) > 0, 60_000);

    await walkthroughButton(wb, 'Deploy', 'Deploy Model');
    const toast = page.locator('.notifications-toasts').filter({ hasText: /iris is served at/ }).first();
    await wb.pickIfAsked('iris · ', () => toast.isVisible());
    await toast.waitFor({ timeout: 60_000 });
    const url = /(http:\/\/127\.0\.0\.1:\d+\/v1\/models\/iris:predict)/.exec((await toast.textContent()) ?? '')?.[1];
    if (!url) throw new Error(`no URL in "${await toast.textContent()}"`);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [IRIS] }) });
    const body = (await res.json()) as { predictions?: Array<{ label?: string }> };
    if (res.status !== 200 || body.predictions?.[0]?.label !== 'virginica') throw new Error(`predict answered ${res.status}: ${JSON.stringify(body)}`);
    w.log(`  iris: test accuracy ${accuracy}, served at ${url}; run ${path.basename(runDir)}`);
    await wb.palette('Model Studio: Stop Model Server'); // the only server: nothing to pick
    await until('the server stopped', async () => fetch(url, { method: 'POST', body: '{}' }).then(() => false, () => true), 30_000);
  },

  async api(w, vscode) {
    await vscode.commands.executeCommand('modelStudio.openExample', 'iris');
    const modelFile = path.join(w.ws, 'iris', 'iris.model.yaml');
    if (!(await exists(modelFile))) throw new Error('Open Example did not copy iris into the workspace');
    const before = await fsp.readFile(modelFile, 'utf8');
    const runsBefore = await runDirs(w, 'iris');
    await vscode.commands.executeCommand('modelStudio.train', vscode.Uri.file(modelFile));
    const runDir = await newRunOf(w, 'iris', runsBefore);
    await until('run.json completed', async () => (await readRun(runDir))?.status === 'completed', 180_000);
    if ((await fsp.readFile(modelFile, 'utf8')) !== before) throw new Error('the model file changed');
  },
};
