/**
 * Colours for canvas charts, read from VS Code's CSS variables (canvas cannot use var()).
 * `onThemeChange` fires when VS Code switches theme (it rewrites the variables on <html> and the
 * vscode-light / vscode-dark / vscode-high-contrast class on <body>), so charts can redraw.
 */
export interface Palette {
  fg: string;
  muted: string;
  grid: string;
  background: string;
  font: string;
  train: string;
  val: string;
  batch: string;
  other: string;
  series: string[];
  highContrast: boolean;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** `color` with the given alpha; VS Code gives colours as #rgb, #rrggbb, #rrggbbaa or rgb(a)(). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color);
  if (hex) {
    let d = hex[1];
    if (d.length === 3 || d.length === 4) d = [...d].map((c) => c + c).join('');
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(d.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(color);
  if (rgb) {
    const [r, g, b] = rgb[1].split(/[\s,/]+/);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

export function palette(): Palette {
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const fg = cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', '#cccccc'));
  const blue = cssVar('--vscode-charts-blue', '#3794ff');
  const orange = cssVar('--vscode-charts-orange', '#d18616');
  const family = cssVar('--vscode-font-family', 'system-ui, sans-serif');
  return {
    fg,
    muted: cssVar('--vscode-descriptionForeground', withAlpha(fg, 0.7)),
    grid: highContrast ? withAlpha(fg, 0.35) : withAlpha(fg, 0.1),
    background: cssVar('--vscode-editor-background', '#1e1e1e'),
    font: `11px ${family}`,
    train: blue,
    val: orange,
    batch: withAlpha(blue, highContrast ? 0.6 : document.body.classList.contains('vscode-dark') ? 0.45 : 0.35),
    other: cssVar('--vscode-charts-purple', '#b180d7'),
    series: [blue, orange, cssVar('--vscode-charts-green', '#89d185'), cssVar('--vscode-charts-purple', '#b180d7'), cssVar('--vscode-charts-red', '#f14c4c'), cssVar('--vscode-charts-yellow', '#cca700')],
    highContrast,
  };
}

export function onThemeChange(callback: () => void): void {
  let pending = false;
  const fire = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      callback();
    });
  };
  new MutationObserver(fire).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  new MutationObserver(fire).observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
