/** The dashboard's HTML shell: strict CSP, one nonce'd script, nothing inline (STYLE.md convention 6). */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** Roots the webview may load from: the built script and the dashboard's media, nothing else. */
export function resourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media', 'dashboard')];
}

/**
 * A page of ours: `script` from dist/ (the dashboard's webview.js, or experiments.js for the compare,
 * runs and sweep views, which `view` picks).
 */
export function dashboardHtml(webview: vscode.Webview, extensionUri: vscode.Uri, o: { script?: string; view?: string } = {}): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', o.script ?? 'webview.js'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    // The page's CSS is bundled into the script and applied as constructed style sheets; the nonce
    // covers the <style> fallback and the UI toolkit's probe (FAST reads <meta property="csp-nonce">).
    // No 'unsafe-inline'.
    `style-src ${webview.cspSource} 'nonce-${n}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta property="csp-nonce" content="${n}">
<title>Model Studio</title>
</head>
<body>
<div id="app" data-nonce="${n}"${o.view ? ` data-view="${o.view}"` : ''}></div>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}
