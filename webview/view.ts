/**
 * The dashboard page: built once, then `render(state)` updates only what changed (text of the
 * header, chart data, button states); the report and the form are rebuilt only when a new one
 * arrives. Every state change comes from `reduce` in state.ts.
 */
import type { FromWebview, WebviewAction } from '../src/protocol/webview';
import { LiveChart } from './charts';
import { clear, h, text } from './dom';
import { formatDuration, formatNumber, formatRate } from './format';
import { renderReport } from './report';
import { readProgressText } from '../src/protocol/dataProgress';
import { learningRateChart, lossChart, metricCharts, throughputChart, type DashboardEvent, type DashboardState } from './state';
import { palette, type Palette } from './theme';
import { TryIt } from './tryit';
import { button, checkbox, setDisabled, setHidden, spinner } from './ui';

export class DashboardView {
  private readonly title = h('h1', { 'data-testid': 'model-name' });
  private readonly runId = h('span', { class: 'run-id muted', 'data-testid': 'run-id' });
  private readonly status = h('span', { class: 'status', 'data-testid': 'status' });
  private readonly statusSpin = spinner();
  private readonly stats = h('div', { class: 'stats' });
  private readonly stat: Record<string, HTMLElement> = {};
  private readonly progress = h('div', { class: 'progress-fill' });
  private readonly errorText = h('span', {});
  private readonly errorLink = h('a', { href: '#', class: 'error-link', 'data-testid': 'error-location', hidden: true });
  private readonly errorBox = h('div', { class: 'notice error', 'data-testid': 'run-error', hidden: true }, this.errorText, this.errorLink);
  private shownReportKey = '';
  private readonly notice = h('div', { class: 'notice', 'data-testid': 'notice', hidden: true });
  private readonly stopReason = h('p', { class: 'muted stop-reason', 'data-testid': 'stop-reason', hidden: true });
  private readonly serverBox = h('div', { class: 'server card', 'data-testid': 'server', hidden: true });
  private readonly buttons: Record<string, HTMLElement> = {};
  private readonly chartGrid = h('div', { class: 'charts' });
  private readonly noMetrics = h('p', { class: 'muted', hidden: true }, 'This run recorded no training metrics (metrics.jsonl is missing or empty).');
  private readonly charts = new Map<string, LiveChart>();
  private readonly reportBox = h('div', { class: 'report-box' });
  private readonly tryIt: TryIt;
  private readonly tryItSection = h('section', { class: 'section', hidden: true }, h('h2', {}, 'Try it'));
  private palette: Palette;
  private theme = 0;
  private last: DashboardState | undefined;
  private shownReport: unknown;
  private shownServer: unknown;
  private requestId = 0;

  constructor(
    root: HTMLElement,
    private readonly post: (m: FromWebview) => void,
    private readonly dispatch: (e: DashboardEvent) => void,
  ) {
    this.palette = palette();
    const act = (action: Exclude<WebviewAction, 'predict'>) => () => {
      // Stop takes until the current batch ends: show it as pending until `done` arrives.
      if (action === 'stop') dispatch({ type: 'busy', action: 'stop', busy: true });
      post({ type: 'action', action });
    };
    const b = (key: string, label: string, action: Exclude<WebviewAction, 'predict'>, appearance: 'primary' | 'secondary', title: string) => {
      this.buttons[key] = button(label, { appearance, testid: `btn-${key}`, title, onClick: act(action) });
      return this.buttons[key];
    };
    const actions = h('div', { class: 'actions' },
      b('stop', 'Stop', 'stop', 'secondary', 'Stop training after this batch; the best checkpoint is kept'),
      b('save', 'Save Model…', 'save', 'primary', 'Write the TF.js model and its preprocessing into a folder you choose'),
      b('deploy', 'Deploy', 'deploy', 'secondary', 'Start a local TF Serving-compatible REST server for this model'),
      b('openRunFolder', 'Open Run Folder', 'openRunFolder', 'secondary', 'Show the run folder (metrics.jsonl, run.json, report, model)'),
      b('trainAgain', 'Train Again', 'trainAgain', 'secondary', 'Train the same model file again in a new run'),
    );
    for (const [key, label] of [['backend', 'backend'], ['epoch', 'epoch'], ['elapsed', 'elapsed'], ['eta', 'ETA'], ['rate', 'samples/s'], ['best', 'best']] as const) {
      this.stat[key] = h('span', { class: 'stat-value', 'data-testid': `stat-${key}` });
      this.stats.append(h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label), this.stat[key]));
    }
    this.notice.addEventListener('click', () => dispatch({ type: 'ui/dismiss' }));
    this.errorLink.addEventListener('click', (e) => {
      e.preventDefault();
      const loc = this.last?.errorLocation;
      if (loc) post({ type: 'openLocation', file: loc.file, line: loc.line, column: loc.column });
    });
    this.tryIt = new TryIt({
      predict: (record) => {
        const requestId = ++this.requestId;
        dispatch({ type: 'ui/predicting', requestId });
        post({ type: 'predict', requestId, record });
      },
      pickImage: (field) => post({ type: 'pickImage', field }),
      loadImage: (field, path) => post({ type: 'loadImage', field, path }),
      image: (field, image, error) => dispatch({ type: 'ui/image', field, image, error }),
      input: (field, value) => dispatch({ type: 'ui/input', field, value }),
    });
    this.tryItSection.append(this.tryIt.element);
    root.append(
      h('header', { class: 'header' },
        h('div', { class: 'title-row' }, h('div', { class: 'title' }, this.title, this.runId, h('span', { class: 'status-wrap' }, this.statusSpin, this.status)), actions),
        this.stats,
        h('div', { class: 'progress', 'data-testid': 'progress' }, this.progress)),
      this.stopReason,
      this.errorBox,
      this.notice,
      this.serverBox,
      h('section', { class: 'section' }, h('h2', {}, 'Training'), this.noMetrics, this.chartGrid),
      h('section', { class: 'section' }, h('h2', {}, 'Evaluation'), this.reportBox),
      this.tryItSection,
    );
  }

  /** VS Code switched theme: canvas charts re-read the colours and redraw. */
  themeChanged(): void {
    this.palette = palette();
    this.theme++;
    if (this.last) this.renderCharts(this.last);
  }

  render(s: DashboardState): void {
    this.renderHeader(s);
    this.renderCharts(s);
    this.renderReport(s);
    this.renderServer(s);
    setHidden(this.tryItSection, !s.form);
    if (s.form) {
      this.tryIt.setForm(s.form, s.inputs);
      this.tryIt.showImages(s.images);
    }
    if (s.prediction !== this.last?.prediction) this.tryIt.showPrediction(s.prediction);
    this.tryIt.setBusy(!!s.busy.predict);
    this.last = s;
  }

  private renderHeader(s: DashboardState): void {
    text(this.title, s.run.modelName ?? 'Model Studio');
    text(this.runId, s.run.runId ?? '');
    const reading = s.status === 'waiting' ? s.reading : undefined;
    const q = s.status === 'queued' ? s.queued : undefined;
    const label = reading ? 'reading data' : s.status === 'waiting' ? 'starting…'
      : q ? `queued: SLURM job ${q.jobId} on ${q.target}, ${q.state.toLowerCase()}${q.reason && q.reason !== 'None' ? ` (${q.reason})` : ''}` : s.status;
    text(this.status, label);
    this.status.className = `status ${s.status}`;
    setHidden(this.statusSpin, s.status !== 'running' && s.status !== 'waiting' && s.status !== 'queued');
    const b = s.backend;
    text(this.stat.backend, b ? b.device || b.name : '–');
    this.stat.backend.title = b ? `${b.name}${b.gpu ? ' (GPU)' : ''}: ${b.reason}` : '';
    text(this.stat.epoch, reading ? readProgressText(reading)
      : s.epochs ? `${s.epoch} / ${s.epochs}${s.batches && s.status === 'running' ? ` · batch ${s.batch}/${s.batches}` : ''}` : s.epoch ? String(s.epoch) : '–');
    text(this.stat.elapsed, formatDuration(s.elapsedMs || null));
    text(this.stat.eta, s.status === 'running' ? formatDuration(s.etaMs) : '–');
    text(this.stat.rate, formatRate(s.samplesPerSec));
    text(this.stat.best, s.best ? `epoch ${s.best.epoch} · ${s.best.monitor} ${formatNumber(s.best.value)}` : s.run.bestEpoch ? `epoch ${s.run.bestEpoch}` : '–');
    const fraction = reading ? Math.min(1, (reading.pass - 1 + (reading.totalBytes > 0 ? reading.bytes / reading.totalBytes : 1)) / Math.max(1, reading.passes))
      : s.epochs ? Math.min(1, (Math.max(0, s.epoch - 1) + (s.batches ? s.batch / s.batches : 1)) / s.epochs) : 0;
    const width = `${(s.status === 'completed' ? 1 : fraction) * 100}%`;
    if (this.progress.style.width !== width) this.progress.style.width = width;
    this.progress.className = `progress-fill ${s.status}`;

    text(this.stopReason, s.status !== 'running' && s.run.stopReason ? `Training ended early: ${s.run.stopReason}` : '');
    setHidden(this.stopReason, !this.stopReason.textContent);
    setHidden(this.errorBox, !s.error);
    text(this.errorText, s.error ? `Training failed: ${s.error}` : '');
    const loc = s.errorLocation;
    setHidden(this.errorLink, !loc);
    text(this.errorLink, loc ? `Open ${loc.file.split(/[\\/]/).pop()}${loc.line ? `:${loc.line}` : ''}` : '');
    setHidden(this.notice, !s.notice);
    text(this.notice, s.notice ? `${s.notice.text}  (click to dismiss)` : '');
    this.notice.className = `notice ${s.notice?.level ?? ''}`;

    const hasRun = !!s.run.runDir;
    const finished = s.status === 'completed' || s.status === 'stopped';
    setHidden(this.buttons.stop, s.status !== 'running' && s.status !== 'waiting' && s.status !== 'queued');
    // Stop works while the data is read, not before the engine has said anything
    setDisabled(this.buttons.stop, !!s.busy.stop || (s.status === 'waiting' && !reading));
    setDisabled(this.buttons.save, !hasRun || !finished || !!s.busy.save);
    setDisabled(this.buttons.deploy, !hasRun || !finished || !!s.busy.deploy || !!s.server);
    setDisabled(this.buttons.openRunFolder, !hasRun);
    setDisabled(this.buttons.trainAgain, s.status === 'running' || s.status === 'waiting' || s.status === 'queued');
  }

  private renderCharts(s: DashboardState): void {
    const width = Math.max(200, (this.chartGrid.clientWidth || 800) / (this.chartGrid.clientWidth > 900 ? 2 : 1));
    const buckets = Math.round(width);
    const wanted = [
      lossChart(s, buckets, this.charts.get('loss')?.range),
      ...metricCharts(s),
      learningRateChart(s),
      ...(s.throughput.x.length ? [throughputChart(s, buckets, this.charts.get('throughput')?.range)] : []),
    ].filter((c) => c !== null);
    // A finished run with no recorded metrics: say so instead of drawing empty axes.
    const empty = wanted.every((c) => c.points === 0) && s.status !== 'running' && s.status !== 'waiting';
    setHidden(this.noMetrics, !empty);
    if (empty) wanted.length = 0;
    const options = {
      palette: this.palette,
      logScale: s.ui.logScale,
      hidden: s.ui.hidden,
      onToggle: (key: string) => this.dispatch({ type: 'ui/toggle', key }),
      onZoom: () => this.last && this.renderCharts(this.last),
    };
    // Charts of series the run no longer has (a reset to another run) go away.
    const keys = new Set(wanted.map((c) => c.key));
    for (const [key, chart] of this.charts) {
      if (keys.has(key)) continue;
      chart.destroy();
      chart.element.remove();
      this.charts.delete(key);
    }
    for (const data of wanted) {
      let chart = this.charts.get(data.key);
      if (!chart) {
        const extra = data.key === 'loss' ? checkbox('log scale', s.ui.logScale, (on) => this.dispatch({ type: 'ui/logScale', on }), 'log-scale') : undefined;
        chart = new LiveChart(data.key, extra);
        this.charts.set(data.key, chart);
        this.chartGrid.append(chart.element);
      }
      chart.update(data, options, this.theme);
    }
  }

  private renderReport(s: DashboardState): void {
    // Rebuilt when a report arrives, or (without one) when the reason there is none changes.
    const key = s.report ? 'report' : s.status;
    if (s.report === this.shownReport && key === this.shownReportKey && this.reportBox.childElementCount) return;
    this.shownReport = s.report;
    this.shownReportKey = key;
    clear(this.reportBox);
    if (s.report) this.reportBox.append(renderReport(s.report));
    else {
      const why = s.status === 'failed' ? 'No report: the run failed before it was evaluated.'
        : s.status === 'running' || s.status === 'waiting' ? 'The report appears here when training ends: summary, confusion matrix, per-class metrics, ROC and PR curves.'
        : 'This run has no report.json.';
      this.reportBox.append(h('p', { class: 'muted' }, why));
    }
  }

  private renderServer(s: DashboardState): void {
    if (s.server === this.shownServer) return;
    this.shownServer = s.server;
    clear(this.serverBox);
    setHidden(this.serverBox, !s.server);
    if (!s.server) return;
    const srv = s.server;
    const code = h('pre', { class: 'curl', 'data-testid': 'curl' }, srv.curl);
    this.serverBox.append(
      h('div', { class: 'server-row' },
        h('span', {}, h('strong', {}, `Serving “${srv.name}” at `), h('a', { href: srv.url, 'data-testid': 'deploy-url' }, srv.url)),
        h('span', { class: 'actions' },
          button('Copy URL', { onClick: () => this.post({ type: 'copy', text: srv.url }) }),
          button('Copy curl', { onClick: () => this.post({ type: 'copy', text: srv.curl }), testid: 'copy-curl' }),
          button('Stop Server', { onClick: () => this.post({ type: 'action', action: 'stopServer' }), testid: 'btn-stop-server' }))),
      ...(srv.note ? [h('p', { class: 'muted small server-note', 'data-testid': 'server-note' }, srv.note)] : []),
      code,
    );
  }
}

