/**
 * Diagnostics as you type for model files: each change of an open model file is validated after a
 * short pause (debounced), in the extension host but without blocking it (the validator is async
 * and reads only the data file's header). Results for an older version of a document are dropped.
 */
import * as vscode from 'vscode';
import { validateModelText, type SpecProblem } from '../modelFile';
import { workspaceRootOf } from '../host/settings';
import { validationOptions } from '../host/trustPolicy';
import { problemRange } from './ranges';

export const isModelFile = (fsPath: string): boolean => /\.model\.(ya?ml|json)$/i.test(fsPath);

export class ModelDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('modelStudio');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly delayMs = 300) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, this.delayMs)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.cancel(d.uri);
        this.collection.delete(d.uri);
      }),
      // Trust granted: the data checks that were held back run now.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (doc.uri.scheme !== 'file' || !isModelFile(doc.uri.fsPath)) return;
    this.cancel(doc.uri);
    this.timers.set(doc.uri.toString(), setTimeout(() => void this.validate(doc), delay));
  }

  private cancel(uri: vscode.Uri): void {
    const t = this.timers.get(uri.toString());
    if (t) clearTimeout(t);
    this.timers.delete(uri.toString());
  }

  /** Validates now and publishes; resolves with the problems (for the Validate command). */
  async validate(doc: vscode.TextDocument): Promise<SpecProblem[]> {
    this.timers.delete(doc.uri.toString());
    const version = doc.version;
    const text = doc.getText();
    // Untrusted: the model file only, no data read (src/host/trustPolicy.ts).
    const { problems } = await validateModelText(text, doc.uri.fsPath, { workspaceRoot: workspaceRootOf(doc.uri.fsPath), ...validationOptions(vscode.workspace.isTrusted) });
    if (doc.isClosed || doc.version !== version) return problems; // a newer run will publish
    const lines = text.split(/\r?\n/);
    this.collection.set(doc.uri, problems.map((p) => toDiagnostic(p, lines)));
    return problems;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function toDiagnostic(p: SpecProblem, lines: readonly string[]): vscode.Diagnostic {
  const r = problemRange(p, lines);
  const d = new vscode.Diagnostic(new vscode.Range(r.startLine, r.startCol, r.endLine, r.endCol), p.message, p.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error);
  d.source = 'Model Studio';
  if (p.path) d.code = p.path;
  return d;
}
