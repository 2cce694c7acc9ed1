/**
 * The entry of the experiment views (bundled to dist/experiments.js): the compare view, a model's runs
 * table and the sweep dashboard, picked by the page's `data-view`. Messages from the host are checked on
 * arrival; sort, filter and selections are kept in the webview state, with what the view shows, so a
 * reloaded window reopens it as it was.
 */
import { applyStyles } from '../dom';
import { parseToExperiments, type ExperimentsView, type FromExperiments } from '../../src/protocol/experiments';
import { onThemeChange } from '../theme';
import { registerUi } from '../ui';
import css from '../dashboard.css';
import uplotCss from 'uplot/dist/uPlot.min.css';
import experimentsCss from './experiments.css';
import { CompareView, initialCompareState, type CompareUiState } from './compare';
import { RunsView } from './runs';
import { SweepViewUi } from './sweep';
import type { TableState } from './widgets';

interface SavedState {
  view: ExperimentsView;
  /** what the view shows: the run folders (compare), the model's runs folder (runs), the sweep folder (sweep) */
  target?: string[];
  compare?: CompareUiState;
  runs?: TableState;
}

function start(): void {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('app') ?? document.body;
  applyStyles(root.dataset.nonce, [uplotCss, css, experimentsCss]);
  registerUi();
  const view = (root.dataset.view ?? 'compare') as ExperimentsView;
  const previous = vscode.getState() as Partial<SavedState> | undefined;
  const saved: SavedState = { view, ...(previous && previous.view === view ? previous : {}) };
  const save = () => vscode.setState(saved);
  const post = (m: FromExperiments) => vscode.postMessage(m);
  const notice = document.createElement('div');
  notice.className = 'notice error';
  notice.hidden = true;
  notice.dataset.testid = 'view-error';
  root.append(notice);

  saved.compare ??= initialCompareState();
  saved.runs ??= { filter: '', onlyChanged: false, selected: [] };
  const compare = view === 'compare' ? new CompareView(root, post, saved.compare, save) : undefined;
  const runs = view === 'runs' ? new RunsView(root, post, saved.runs, save) : undefined;
  const sweep = view === 'sweep' ? new SweepViewUi(root, post) : undefined;
  onThemeChange(() => {
    compare?.themeChanged();
    sweep?.themeChanged();
  });

  let frame = 0;
  let pending: (() => void) | undefined;
  const later = (f: () => void) => {
    pending = f;
    if (!frame) frame = requestAnimationFrame(() => {
      frame = 0;
      const t = performance.now();
      pending?.();
      root.dataset.renderMs = (performance.now() - t).toFixed(2);
    });
  };
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const parsed = parseToExperiments(event.data);
    if (!parsed.ok) {
      console.warn(`Model Studio: ignored a message: ${parsed.error}`);
      return;
    }
    const m = parsed.message;
    switch (m.type) {
      case 'compare':
        saved.target = m.data.runs.map((r) => r.runDir);
        save();
        notice.hidden = true;
        later(() => compare?.render(m.data));
        break;
      case 'runs':
        saved.target = [m.data.dir];
        save();
        notice.hidden = true;
        later(() => runs?.render(m.data));
        break;
      case 'sweep':
        saved.target = [m.data.sweepDir];
        save();
        later(() => sweep?.render(m.data));
        break;
      case 'busy':
        sweep?.setBusy(m.action, m.busy);
        break;
      case 'error':
        notice.textContent = m.message;
        notice.hidden = false;
        break;
    }
  });
  post({ type: 'ready' });
}

start();
