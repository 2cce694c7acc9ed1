import * as path from 'node:path';
import type { Scenario } from '../scenario';
import { runDirs, until } from '../world';

/** What the dashboard scenario trained (mid.model.yaml): a completed run with a report and a Try-it form. */
const MODEL = 'mid';

async function answers(url: string): Promise<boolean> {
  const res = await fetch(`${url.replace(/\/$/, '')}/v1/models/${MODEL}:predict`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [{ x1: 1, x2: 1, x3: 0.5 }] }),
  }).catch(() => undefined);
  return res?.status === 200;
}

/**
 * A window reload (Developer: Reload Window) brings the dashboard back where it was: scrolled to Try it,
 * with what was typed there, and the deployed model serving again, which the dashboard says.
 * Relies on the dashboard scenario's completed run of mid.model.yaml.
 */
export const reload: Scenario = {
  name: 'a window reload keeps the dashboard scrolled where it was, Try it inputs, and the deployed model serving',

  async workbench(w, wb) {
    const { page } = wb;
    const runDir = (await runDirs(w, MODEL)).at(-1);
    if (!runDir) throw new Error(`no run of ${MODEL} (the dashboard scenario trains one)`);
    await wb.closeAllEditors();
    await wb.palette('Model Studio: Open Dashboard');
    // with several runs it asks which (newest first); with one it opens it
    await wb.pickIfAsked(`${MODEL} · `, () => wb.dashboardOpen());
    const frame = wb.dashboard();
    await until('the completed run', async () => (await frame.locator('[data-testid="status"]').textContent({ timeout: 1000 }))?.trim() === 'completed', 60_000);
    await frame.locator('[data-testid="field-x1"]').waitFor({ timeout: 60_000 });

    await frame.locator('[data-testid="btn-deploy"]').click();
    const url = await until('the deploy URL', async () => (await frame.locator('[data-testid="deploy-url"]').textContent({ timeout: 500 })) || false, 60_000);
    await frame.locator('[data-testid="field-x1"] input').fill('1.25');
    await frame.locator('[data-testid="tryit"]').evaluate((e) => e.scrollIntoView({ block: 'center' }));
    const scrolled = await frame.locator('body').evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY);
    if (scrolled < 100) throw new Error(`the page did not scroll (${scrolled})`);
    // the page saves its state (at most once a second): wait until a save holds this position and input
    await until('the dashboard to save its scroll position and Try it input', async () => {
      const app = frame.locator('#app');
      const y = Number(await app.getAttribute('data-saved-scroll-y', { timeout: 1000 }));
      const inputs = JSON.parse((await app.getAttribute('data-saved-inputs', { timeout: 1000 })) ?? '{}') as Record<string, string>;
      return Math.abs(y - scrolled) <= 1 && inputs.x1 === '1.25';
    }, 20_000);

    await wb.palette('Developer: Reload Window');
    await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 60_000 });
    await page.locator('.activitybar .action-item [aria-label^="Model Studio"]').first().waitFor({ timeout: 60_000 });
    w.log(`  reloaded; the dashboard of ${path.basename(runDir)} comes back`);

    await until('Try it as it was', async () => (await frame.locator('[data-testid="field-x1"] input').inputValue({ timeout: 1000 })) === '1.25', 60_000);
    await until('the scroll position restored', async () => (await frame.locator('#app').getAttribute('data-scroll-restored', { timeout: 1000 })) === 'true', 30_000);
    const after = await frame.locator('body').evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY);
    if (Math.abs(after - scrolled) > 40) throw new Error(`scrolled to ${after} after the reload, ${scrolled} before`);
    const note = await until('the server note', async () => frame.locator('[data-testid="server-note"]').textContent({ timeout: 1000 }), 60_000);
    if (!/started again after the window reloaded/i.test(note)) throw new Error(`the dashboard says: ${note}`);
    const again = await frame.locator('[data-testid="deploy-url"]').textContent();
    await until('the model answering again', () => answers(again ?? url), 30_000);
    await page.screenshot({ path: path.join(wb.resultsDir, 'after-reload.png') });
    await frame.locator('[data-testid="btn-stop-server"]').click();
    await until('the server box to close', async () => (await frame.locator('[data-testid="deploy-url"]').count()) === 0, 30_000);
  },
};
