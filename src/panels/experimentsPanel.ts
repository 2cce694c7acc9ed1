/**
 * What the compare view, the runs table and the sweep dashboard panels share: the page (strict CSP,
 * nonce, dist/experiments.js with the view's name), the ready handshake (the whole state again on every
 * `ready`: first load, shown again, window reloaded), messages checked on arrival, and refreshes coalesced
 * so a burst of file changes or trial events costs one read of the folders.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseFromExperiments, type ExperimentsView, type FromExperiments, type ToExperiments } from '../protocol/experiments';
import type { HostContext } from '../host/hostContext';
import { errorText } from '../host/events';
import { dashboardHtml, resourceRoots } from './html';

export abstract class ExperimentsPanel {
  protected ready = false;
  protected readonly disposables: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private again = false;
  private disposed = false;

  protected constructor(protected readonly ctx: HostContext, readonly panel: vscode.WebviewPanel, view: ExperimentsView) {
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'dashboard', 'icon.svg');
    panel.webview.options = { enableScripts: true, localResourceRoots: resourceRoots(ctx.extensionUri) };
    panel.webview.html = dashboardHtml(panel.webview, ctx.extensionUri, { script: 'experiments.js', view });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const parsed = parseFromExperiments(raw);
        if (!parsed.ok) {
          ctx.log.warn(`${view} view: ignored a message from the webview: ${parsed.error}`);
          return;
        }
        if (parsed.message.type === 'ready') {
          this.ready = true;
          this.refresh(0);
          return;
        }
        this.handle(parsed.message).catch((err: unknown) => {
          const message = errorText(err);
          ctx.log.error(`${view} view: ${message}`);
          void vscode.window.showErrorMessage(`Model Studio: ${message}`, 'Show Log').then((pick) => {
            if (pick) ctx.log.show(true);
          });
        });
      }),
    );
  }

  /** Reads what the view shows and posts it. */
  protected abstract load(): Promise<ToExperiments>;
  /** Acts on a message from the page (already checked). */
  protected abstract handle(m: Exclude<FromExperiments, { type: 'ready' }>): Promise<void>;

  protected post(m: ToExperiments): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(m);
  }

  /** Reads the folders again and posts the result, at most once per `delayMs`; never two reads at once. */
  refresh(delayMs = 300): void {
    if (this.disposed || this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.reload();
    }, delayMs);
  }

  private async reload(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    try {
      this.post(await this.load());
    } catch (err) {
      this.post({ type: 'error', message: errorText(err) });
    } finally {
      this.refreshing = false;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.onDispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  protected abstract onDispose(): void;
}

/** The run folders a panel state names (a revived panel's target), only strings. */
export function savedTarget(state: unknown): string[] {
  const t = typeof state === 'object' && state !== null ? (state as { target?: unknown }).target : undefined;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** Whether a path from a page's saved state is inside one of the workspace's folders (nothing else is read). */
export function inWorkspace(p: string): boolean {
  return path.isAbsolute(p) && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(path.resolve(p))) !== undefined;
}
