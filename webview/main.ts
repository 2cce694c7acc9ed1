/**
 * The dashboard webview's entry (bundled to dist/webview.js). Wires the VS Code API, the reducer
 * and the view: messages from the host are validated, reduced into state, and rendered at most
 * once per animation frame; the state is saved (decimated) for hide/show and window reloads.
 */
import { applyStyles } from './dom';
import { parseToWebview, type FromWebview } from '../src/protocol/webview';
import { reduce, restore, toSaved, type DashboardEvent } from './state';
import { onThemeChange } from './theme';
import { registerUi } from './ui';
import { DashboardView } from './view';
import css from './dashboard.css';
import uplotCss from 'uplot/dist/uPlot.min.css';

function start(): void {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('app') ?? document.body;
  applyStyles(root.dataset.nonce, [uplotCss, css]);
  registerUi();

  let state = restore(vscode.getState());
  // After a reload the page scrolls back to where it was once it is tall enough again (the report and the
  // form arrive after `ready`); a scroll by the person first wins.
  let scrollTarget = state.scrollY;
  let frame = 0;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const post = (m: FromWebview) => vscode.postMessage(m);
  // Saving decimates and serialises the state: at most once a second.
  const saveSoon = () => {
    saveTimer ??= setTimeout(() => {
      saveTimer = undefined;
      const saved = toSaved({ ...state, scrollY: scrollTarget > 0 ? scrollTarget : window.scrollY });
      vscode.setState(saved);
      // what the last save holds of the page's position and Try it, for the e2e suite to wait on before
      // it reloads the window (a count of saves raced a save that landed before the count was read)
      root.dataset.savedScrollY = String(saved.scrollY);
      root.dataset.savedInputs = JSON.stringify(saved.inputs);
    }, 1000);
  };
  let giveUpAt = 0;
  const restoreScroll = () => {
    if (scrollTarget <= 0) return;
    const reachable = document.documentElement.scrollHeight - window.innerHeight;
    if (reachable < scrollTarget) {
      // not tall enough yet: the report and the form come after `ready`, and lay out over a few frames;
      // once both are here (or the run has none), take what can be reached after a moment
      const settled = (state.report && state.form) || state.status === 'failed';
      if (!settled) return;
      giveUpAt ||= performance.now() + 2000;
      if (performance.now() < giveUpAt) {
        requestAnimationFrame(restoreScroll);
        return;
      }
    }
    window.scrollTo(0, Math.min(scrollTarget, reachable));
    scrollTarget = 0;
    root.dataset.scrollRestored = 'true';
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(() => {
      frame = 0;
      const t = performance.now();
      view.render(state);
      // The last render's cost, for the dev harness and the e2e suite to read.
      root.dataset.renderMs = (performance.now() - t).toFixed(2);
      restoreScroll();
    });
    saveSoon();
  };
  window.addEventListener('scroll', () => saveSoon(), { passive: true });
  for (const type of ['wheel', 'keydown', 'touchmove', 'mousedown'] as const) window.addEventListener(type, () => { scrollTarget = 0; }, { passive: true });
  const dispatch = (e: DashboardEvent) => {
    state = reduce(state, e);
    schedule();
  };
  const view = new DashboardView(root, post, dispatch);
  onThemeChange(() => view.themeChanged());

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const parsed = parseToWebview(event.data);
    if (!parsed.ok) {
      console.warn(`Model Studio dashboard: ignored a message: ${parsed.error}`);
      return;
    }
    dispatch(parsed.message);
  });
  view.render(state);
  post({ type: 'ready' });
}

start();
