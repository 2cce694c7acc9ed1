/**
 * Driving the code-server workbench as a person would, with the keyboard and the mouse (playwright-core
 * on Debian's Chromium): the command palette, quick picks, the sidebar, the Problems view, the dashboard.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { until } from './world';

const quickInput = '.quick-input-widget';
const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { publisher: string; name: string };
/**
 * Our webviews' outer iframes: the workbench puts the owning extension's id in their address. The
 * walkthrough's text is a webview too, with no extension; `iframe.webview` alone would find it.
 */
const OUR_WEBVIEW = `iframe.webview[src*="extensionId=${manifest.publisher}.${manifest.name}"]`;

export class Workbench {
  constructor(
    readonly page: Page,
    /** where screenshots go (test-results/e2e/) */
    readonly resultsDir: string,
  ) {}

  /** The quick input's text field. */
  get input(): Locator {
    return this.page.locator(`${quickInput} input`);
  }

  /**
   * Opens the quick input from the title bar's command center: unlike F1, this works wherever the
   * keyboard focus is (a webview swallows keys).
   */
  async quickOpen(value: string): Promise<Locator> {
    const input = this.input;
    // a panel that takes the focus as it opens (the dashboard) closes the quick input: open it again
    await until('the quick input', async () => {
      if (!(await input.isVisible())) {
        await this.page.locator('.command-center .command-center-center').first().click();
        // away from the command center: its hover ("Search ws — …") would cover the editor tabs below it
        await this.page.mouse.move(700, (this.page.viewportSize()?.height ?? 900) - 6);
      }
      return input.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false);
    }, 30_000, 0);
    await input.fill(value);
    return input;
  }

  /** Runs a command from the palette by its title (`pick`: the row to pick when it differs from the text typed). */
  async palette(text: string, pick?: string): Promise<void> {
    // the command list is read when the palette opens: reopen it until our command is there
    const row = this.page.locator(`${quickInput} .monaco-list-row`).filter({ hasText: pick ?? text }).first();
    await until(`the command "${text}"`, async () => {
      const input = await this.quickOpen(`>${text}`);
      if (await row.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) return true;
      await input.press('Escape');
      return false;
    }, 30_000, 0);
    await this.acceptFocused(pick ?? text);
  }

  /** Presses Enter once the focused row is the one wanted (keys, not clicks: nothing can cover them). */
  async acceptFocused(label: string): Promise<void> {
    const input = this.input;
    const focused = this.page.locator(`${quickInput} .monaco-list-row.focused`).filter({ hasText: label }).first();
    // the wanted row may not be the first (a recently used command ranks higher): walk down to it
    await until(`"${label}" focused in the list`, async () => {
      if (await focused.isVisible()) return true;
      await input.press('ArrowDown');
      return false;
    }, 20_000, 200);
    await input.press('Enter');
  }

  /** Narrows a quick pick to the row whose label contains `label`, then picks it. */
  async pickRow(label: string): Promise<void> {
    await this.page.locator(`${quickInput} .monaco-list-row`).filter({ hasText: label }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await this.input.fill(label);
    await this.acceptFocused(label);
  }

  /**
   * A command that asks only when there is a choice (which run, which model file): picks `label` if it asks,
   * else waits until `done` says the command went ahead on its own.
   */
  async pickIfAsked(label: string, done: () => Promise<boolean>): Promise<void> {
    const row = this.page.locator(`${quickInput} .monaco-list-row`).filter({ hasText: label }).first();
    const asked = await until(`"${label}" to pick, or the command done`, async () => ((await row.isVisible()) ? 'asked' : (await done()) && 'done'), 60_000);
    if (asked === 'asked') await this.pickRow(label);
  }

  /** Opens a workspace file by name (Quick Open) and waits for its tab. */
  async openFile(name: string): Promise<void> {
    await this.quickOpen(name);
    await this.pickRow(name);
    await this.page.locator(`.tabs-container .tab.active[aria-label*="${name}"]`).waitFor({ timeout: 15_000 });
  }

  /** Moves the cursor with "Go to Line" (`:13`, `:14:5`) and waits until the status bar shows it there. */
  async goToLine(line: number, column?: number): Promise<void> {
    await this.page.locator('.monaco-editor .view-lines').first().click();
    await this.quickOpen(column === undefined ? `:${line}` : `:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    const want = column === undefined ? new RegExp(`Ln ${line},`) : new RegExp(`Ln ${line}, Col ${column}`);
    await until(`the cursor on line ${line}`, async () => want.test(await this.page.locator('.statusbar-item').filter({ hasText: /Ln \d+/ }).first().textContent().catch(() => '') ?? ''), 10_000);
  }

  /** The Models tree's rows' text (label and description). */
  treeRows(): Promise<string[]> {
    return this.page.locator('.part.sidebar .monaco-list-row').allTextContents();
  }

  private async sidebarTitle(): Promise<string> {
    return (await this.page.locator('.part.sidebar .composite.title').first().textContent().catch(() => '')) ?? '';
  }

  async showModels(): Promise<void> {
    if (/model studio/i.test(await this.sidebarTitle())) return;
    await this.palette('Model Studio: Focus on Models View', 'Focus on Models View');
    await until('the Models view', async () => /model studio/i.test(await this.sidebarTitle()), 15_000);
  }

  async showProblems(): Promise<void> {
    await this.palette('Problems: Focus on Problems View', 'Focus on Problems View');
    await this.page.locator('.markers-panel').first().waitFor({ timeout: 15_000 });
  }

  /** The dashboard webview's own document (two iframes down). */
  dashboard(): FrameLocator {
    return this.page.frameLocator(`${OUR_WEBVIEW}.ready`).frameLocator('#active-frame');
  }

  /** Whether one of our webviews (a dashboard) is on the page. */
  async dashboardOpen(): Promise<boolean> {
    return (await this.page.locator(OUR_WEBVIEW).count()) > 0;
  }

  /** The text of Model Studio's status bar item ('' when it is hidden). */
  async statusBarText(): Promise<string> {
    const item = this.page.locator('.part.statusbar .statusbar-item').filter({ hasText: /·/ }).first();
    return ((await item.count()) ? (await item.textContent()) ?? '' : '').replace(/\s+/g, ' ').trim();
  }

  /**
   * Waits until the dashboard shows the run as `status` (its header badge) with its epoch counter, and
   * returns the epoch it shows: a painted page, not a blank frame.
   */
  async dashboardShows(status: string, epochs: number): Promise<number> {
    const frame = this.dashboard();
    await until(`the dashboard showing ${status}`, async () => (await frame.locator('[data-testid="status"]').textContent({ timeout: 1000 }))?.trim() === status, 60_000);
    const text = await until('the epoch counter', async () => {
      const t = (await frame.locator('[data-testid="stat-epoch"]').textContent({ timeout: 1000 }))?.trim() ?? '';
      return new RegExp(`^\\d+ / ${epochs}$`).test(t) && t;
    }, 20_000);
    const points = Number(await frame.locator('[data-testid="chart-loss"]').getAttribute('data-points', { timeout: 5000 }));
    if (!(points > 0)) throw new Error(`the dashboard of the ${status} run draws no loss points`);
    return Number(text.split(' / ')[0]);
  }

  /** Closes every editor, so the only webview on the page is the one a scenario opens next. */
  async closeAllEditors(): Promise<void> {
    await this.palette('View: Close All Editors');
    await until('no editors open', async () => (await this.page.locator('iframe.webview').count()) === 0, 20_000);
  }
}
