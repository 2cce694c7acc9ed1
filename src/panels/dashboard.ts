/**
 * The dashboard panel: one per run (reopening a run focuses its panel), fed by the run controller's
 * live messages and by the run folder on disk. It waits for the webview's `ready` before posting
 * and queues meanwhile; every `ready` (first load, shown again, window reloaded) gets the whole
 * state again, so the page never depends on messages it missed while hidden.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineMessage } from '../protocol/engine';
import { DASHBOARD_VIEW_TYPE, parseFromWebview, type FromWebview, type RunSnapshot, type ServerView, type ToWebview, type TryItForm, type WebviewAction } from '../protocol/webview';
import type { PanelContext } from '../host/context';
import { dashboardHtml, resourceRoots } from './html';
import { toPredictionView } from './normalize';
import { deployCurl } from './deployExample';
import { locationAllowed, modelDirOf, readForm, readHistory, readReport, readSample, readSnapshot } from './runFiles';
import { checkImageDataUrl, readImageFile, readWorkspaceImage } from '../host/tryItImage';

const workspaceFolderPaths = (): string[] => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);

export interface DashboardTarget { runDir?: string; runKey?: string }

/** How often live engine messages go to the page, at most (10 a second). */
const FLUSH_MS = 100;

/** Engine messages that change what the dashboard shows (logs and replies to other requests do not). */
const SHOWN: ReadonlySet<EngineMessage['type']> = new Set(['dataProgress', 'runStarted', 'progress', 'epochEnded', 'checkpointSaved', 'reportReady', 'done', 'error']);

export class DashboardPanel {
  private static readonly open = new Set<DashboardPanel>();

  private ready = false;
  private queue: ToWebview[] = [];
  private form: TryItForm | null = null;
  /** live engine messages waiting for the next batch to the page */
  private outbox: EngineMessage[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private toldNotRestored = false;
  /** counts the server views being built, so only the newest is posted */
  private serverSeq = 0;
  /** report.json's real row of the test split (undefined: not read yet) */
  private sample: Record<string, unknown> | null | undefined;
  private syncing = false;
  private pending: EngineMessage[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  static createOrShow(ctx: PanelContext, target: DashboardTarget): DashboardPanel {
    const existing = DashboardPanel.find(target);
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Model Studio', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: resourceRoots(ctx.extensionUri),
    });
    return new DashboardPanel(ctx, panel, { ...target });
  }

  /** The open panel of a run, by its key or its folder. */
  static find(target: DashboardTarget): DashboardPanel | undefined {
    for (const p of DashboardPanel.open) {
      if ((target.runKey && p.target.runKey === target.runKey) || (target.runDir && p.target.runDir && samePath(p.target.runDir, target.runDir))) return p;
    }
    return undefined;
  }

  private constructor(
    private readonly ctx: PanelContext,
    readonly panel: vscode.WebviewPanel,
    private readonly target: DashboardTarget,
  ) {
    DashboardPanel.open.add(this);
    if (!target.runKey && target.runDir) target.runKey = ctx.runs.findByRunDir(target.runDir);
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'dashboard', 'icon.svg');
    panel.webview.options = { enableScripts: true, localResourceRoots: resourceRoots(ctx.extensionUri) };
    panel.webview.html = dashboardHtml(panel.webview, ctx.extensionUri);
    this.updateTitle();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview (no retainContextWhenHidden) is torn down; it says `ready` again when shown.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const parsed = parseFromWebview(raw);
        if (!parsed.ok) {
          ctx.log.warn(`dashboard: ignored a message from the webview: ${parsed.error}`);
          return;
        }
        this.handle(parsed.message).catch((err: unknown) => ctx.log.error(`dashboard: ${errorText(err)}`));
      }),
      ctx.runs.onMessage(({ runKey, message }) => this.onEngine(runKey, message)),
    );
    // A server started or stopped elsewhere (the Deploy command, the sidebar) shows here too.
    const onServers = (ctx.servers as { onDidChange?: (listener: (e: { runDir: string }) => void) => vscode.Disposable }).onDidChange;
    if (typeof onServers === 'function') {
      this.disposables.push(onServers.call(ctx.servers, (e) => {
        const runDir = this.target.runDir;
        if (!runDir || !samePath(e.runDir, runDir)) return;
        const up = ctx.servers.running(runDir);
        // views are built asynchronously: only the newest one is posted (an older one may finish later)
        const seq = ++this.serverSeq;
        void this.serverView(up).then((server) => {
          if (seq !== this.serverSeq) return;
          this.post({ type: 'server', server });
          this.sayIfNotRestored(runDir);
        });
      }));
    }
  }

  get runDir(): string | undefined {
    return this.target.runDir;
  }

  private updateTitle(): void {
    const dir = this.target.runDir;
    this.panel.title = dir ? `${path.basename(path.dirname(dir))} · ${path.basename(dir)}` : 'Model Studio: training…';
  }

  private post(message: ToWebview): void {
    if (this.syncing && message.type === 'engine') {
      for (const m of message.messages) this.pending.push(m); // a batch can be a long run's whole history: no spread
      return;
    }
    if (!this.ready) {
      // Engine messages are not queued: the full history is sent again on `ready`.
      if (message.type !== 'engine' && message.type !== 'reset') this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private onEngine(runKey: string, message: EngineMessage): void {
    if (runKey !== this.target.runKey || !SHOWN.has(message.type)) return;
    if (message.type === 'runStarted') {
      this.target.runDir = message.runDir;
      this.updateTitle();
    }
    // A small model ends an epoch every few milliseconds: one postMessage per engine message floods the
    // page (and the workbench that relays it) so badly that it stops painting. Messages go out in batches,
    // at most every FLUSH_MS; the start, the end and errors go at once.
    this.outbox.push(message);
    if (message.type === 'runStarted' || message.type === 'done' || message.type === 'error') this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
    if (message.type === 'done' || message.type === 'reportReady') {
      this.sendResults().catch((err: unknown) => this.ctx.log.warn(`dashboard: ${errorText(err)}`));
    }
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.outbox.length) this.post({ type: 'engine', messages: this.outbox.splice(0) });
  }

  /** Everything the page needs, after each `ready`. */
  private async sendAll(): Promise<void> {
    const { runs, servers } = this.ctx;
    // Live messages that arrive while the history is read are held back and sent after it
    // (the reducer skips the ones the history already had).
    this.syncing = true;
    this.pending = [];
    try {
      const known = this.target.runKey ? runs.get(this.target.runKey) : undefined;
      if (known?.runDir) this.target.runDir = known.runDir;
      const runDir = this.target.runDir;
      const disk: RunSnapshot = runDir
        ? await readSnapshot(runDir).catch((err: unknown) => {
            this.ctx.log.warn(`dashboard: ${errorText(err)}`);
            return { runDir };
          })
        : {};
      const diskHistory = !known && runDir ? await readHistory(runDir, runDir, disk.epochs) : [];
      const live = this.target.runKey ? runs.get(this.target.runKey) : undefined;
      const history = live ? live.messages.filter((m) => SHOWN.has(m.type)) : diskHistory;
      const snapshot = { ...disk, runKey: this.target.runKey, runDir, specPath: live?.specPath ?? disk.specPath, status: live?.status ?? disk.status };
      this.updateTitle();
      if (!this.ready) return;
      const send = (m: ToWebview) => void this.panel.webview.postMessage(m);
      send({ type: 'reset', snapshot });
      if (history.length) send({ type: 'engine', messages: history });
      if (this.pending.length) send({ type: 'engine', messages: this.pending.splice(0) });
      const seq = ++this.serverSeq;
      const server = await this.serverView(runDir ? servers.running(runDir) : undefined);
      if (seq === this.serverSeq) send({ type: 'server', server });
      if (runDir) this.sayIfNotRestored(runDir);
      for (const m of this.queue.splice(0)) send(m);
      if (runDir && snapshot.status !== 'running') await this.sendResults();
    } finally {
      this.syncing = false;
      this.pending = [];
    }
  }

  /** The report and the Try-it form, once a run has them. */
  private async sendResults(): Promise<void> {
    const runDir = this.target.runDir;
    if (!runDir) return;
    const [report, form] = await Promise.all([
      readReport(runDir, workspaceFolderPaths()).catch((err: unknown) => {
        this.ctx.log.warn(`dashboard: ${errorText(err)}`);
        return null;
      }),
      readForm(runDir).catch((err: unknown) => {
        this.ctx.log.warn(`dashboard: ${errorText(err)}`);
        return null;
      }),
    ]);
    if (report) {
      this.sample = undefined; // read again with the report (Deploy's curl sends its real row)
      this.post({ type: 'report', report });
    }
    if (form) {
      this.form = form;
      this.post({ type: 'form', form });
    }
  }

  /** A server deployed before the window reloaded that did not come back: the page says so, once. */
  private sayIfNotRestored(runDir: string): void {
    const why = this.ctx.servers.restoreFailure?.(runDir);
    if (!why || this.toldNotRestored) return;
    this.toldNotRestored = true;
    this.post({ type: 'actionFailed', action: 'deploy', message: `The model server of this run did not come back after the window reloaded (${why}). Deploy again to serve it.` });
  }

  /** What the page shows of a running server: its URL, and a curl command with a real row of the test split. */
  private async serverView(s: { url: string; name: string; restored?: boolean } | undefined): Promise<ServerView | null> {
    if (!s) return null;
    const runDir = this.target.runDir;
    if (!this.form && runDir) this.form = await readForm(runDir).catch(() => null);
    if (this.sample === undefined && runDir) this.sample = await readSample(runDir).catch(() => null);
    const curl = await deployCurl(s.url, s.name, this.form, this.sample ?? null);
    const note = s.restored ? 'Started again after the window reloaded (a model server stops with its window and comes back when the window does).' : undefined;
    return { url: s.url, name: s.name, curl, ...(note ? { note } : {}) };
  }

  private async handle(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        await this.sendAll();
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        void vscode.window.setStatusBarMessage('Copied to the clipboard', 2000);
        return;
      case 'openLocation': {
        // The webview only names files it was shown (errors in the model file); anything else is refused.
        const specPath = this.specPath() ?? (this.target.runDir ? (await readSnapshot(this.target.runDir).catch(() => undefined))?.specPath : undefined);
        if (!(await locationAllowed(m.file, { workspaceFolders: workspaceFolderPaths(), runDir: this.target.runDir, specPath }))) {
          this.ctx.log.warn(`dashboard: not opening ${m.file}: it is outside the workspace and the run`);
          void vscode.window.showWarningMessage(`Model Studio: not opening ${m.file}: only files in the workspace or the run folder open from the dashboard.`);
          return;
        }
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(m.file));
        const pos = new vscode.Position(Math.max(0, (m.line ?? 1) - 1), Math.max(0, (m.column ?? 1) - 1));
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
        return;
      }
      case 'pickImage': {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: true, canSelectFolders: false, canSelectMany: false, openLabel: 'Use This Image',
          title: `Try it: an image for '${m.field}'`, filters: { 'Images (PNG, JPEG)': ['png', 'jpg', 'jpeg'] },
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        });
        if (!picked?.[0]) return;
        // the person chose this file in the editor's own dialog: it may be anywhere they can read
        await this.sendImage(m.field, () => readImageFile(picked[0].fsPath));
        return;
      }
      case 'loadImage':
        // a path from the page: only inside the workspace
        await this.sendImage(m.field, () => readWorkspaceImage(m.path, workspaceFolderPaths()));
        return;
      case 'predict':
        await this.guard('predict', async () => {
          const runDir = this.requireRunDir();
          if (!this.form) this.form = await readForm(runDir).catch(() => null);
          // image fields carry the image itself (a data: URL the host sent or the page read from a dropped file)
          for (const f of this.form?.fields ?? []) if (f.kind === 'image') checkImageDataUrl(m.record[f.name], f.name);
          const raw = await this.ctx.runs.predict(modelDirOf(runDir), [m.record]);
          this.post({ type: 'predicted', requestId: m.requestId, predictions: raw.map(toPredictionView) });
        }, (message) => this.post({ type: 'predicted', requestId: m.requestId, error: message }));
        return;
      case 'action':
        await this.guard(m.action, () => this.act(m.action));
        return;
    }
  }

  private async sendImage(field: string, read: () => Promise<{ name: string; dataUrl: string }>): Promise<void> {
    try {
      const { name, dataUrl } = await read();
      this.post({ type: 'image', field, image: { name, dataUrl } });
    } catch (err) {
      this.post({ type: 'image', field, error: errorText(err) });
    }
  }

  private async act(action: Exclude<WebviewAction, 'predict'>): Promise<void> {
    const { runs, servers } = this.ctx;
    switch (action) {
      case 'stop': {
        const key = this.target.runKey ?? (this.target.runDir ? runs.findByRunDir(this.target.runDir) : undefined);
        if (!key) throw new Error('this run is not training any more');
        runs.stop(key);
        return;
      }
      case 'save': {
        const runDir = this.requireRunDir();
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Save Model Here', title: 'Save the trained model (TF.js files + preprocessing.json) into a folder' });
        if (!picked?.[0]) return;
        this.post({ type: 'busy', action: 'save', busy: true });
        const files = await runs.save(runDir, picked[0].fsPath);
        // the dashboard says "Saved 3 files to …" where the button was: no second notification
        this.post({ type: 'saved', outDir: picked[0].fsPath, files });
        return;
      }
      case 'deploy': {
        const runDir = this.requireRunDir();
        this.post({ type: 'busy', action: 'deploy', busy: true });
        if (!this.form) this.form = await readForm(runDir).catch(() => null);
        const server = await servers.deploy(runDir);
        const seq = ++this.serverSeq;
        const view = await this.serverView(server);
        if (seq === this.serverSeq) this.post({ type: 'server', server: view });
        return;
      }
      case 'stopServer': {
        const runDir = this.requireRunDir();
        this.post({ type: 'busy', action: 'stopServer', busy: true });
        await servers.stop(runDir);
        this.serverSeq += 1;
        this.post({ type: 'server', server: null });
        return;
      }
      case 'openRunFolder': {
        const uri = vscode.Uri.file(this.requireRunDir());
        // revealFileInOS needs a desktop; in a browser workbench show it in the Explorer instead.
        await Promise.resolve(vscode.commands.executeCommand('revealFileInOS', uri)).catch(() => vscode.commands.executeCommand('revealInExplorer', uri));
        return;
      }
      case 'trainAgain': {
        const specPath = this.specPath() ?? (this.target.runDir ? (await readSnapshot(this.target.runDir)).specPath : undefined);
        if (!specPath) throw new Error('this run does not record which model file trained it; open the model file and run "Model Studio: Train"');
        const runKey = await runs.train(specPath);
        DashboardPanel.createOrShow(this.ctx, { runKey });
        return;
      }
    }
  }

  private specPath(): string | undefined {
    return this.target.runKey ? this.ctx.runs.get(this.target.runKey)?.specPath : undefined;
  }

  private requireRunDir(): string {
    if (!this.target.runDir) throw new Error('the run has no folder yet (it is still starting); try again in a moment');
    return this.target.runDir;
  }

  /** Runs an action; a failure is logged, shown once, and reported to the page so its button recovers. */
  private async guard(action: WebviewAction, body: () => Promise<void>, onError?: (message: string) => void): Promise<void> {
    try {
      await body();
    } catch (err) {
      const message = errorText(err);
      this.ctx.log.error(`dashboard ${action}: ${message}`);
      if (onError) onError(message);
      else this.post({ type: 'actionFailed', action, message });
      if (action !== 'predict') {
        void vscode.window.showErrorMessage(`Model Studio: ${action} failed: ${message}`, 'Show Log').then((pick) => {
          if (pick) this.ctx.log.show();
        });
      }
    }
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    DashboardPanel.open.delete(this);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  /** Rebuilds a panel VS Code restored after a reload, from the run named in the page's saved state. */
  static revive(ctx: PanelContext, panel: vscode.WebviewPanel, state: unknown): DashboardPanel {
    const run = typeof state === 'object' && state !== null ? (state as { run?: unknown }).run : undefined;
    const runDir = typeof run === 'object' && run !== null && typeof (run as { runDir?: unknown }).runDir === 'string' ? (run as { runDir: string }).runDir : undefined;
    return new DashboardPanel(ctx, panel, { runDir });
  }
}

/** Restores dashboards after a window reload (viewType `modelStudio.dashboard`). */
export function registerDashboardSerializer(ctx: PanelContext): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      DashboardPanel.revive(ctx, panel, state);
    },
  });
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
