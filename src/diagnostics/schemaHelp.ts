/** Completion and hover in YAML model files, from the same JSON Schema the validator uses. */
import * as vscode from 'vscode';
import { modelFileJsonSchema } from '../modelFile/jsonSchema';
import { completions, hover, yamlPlace, type JsonSchema } from './schemaPath';

export function registerSchemaHelp(selector: vscode.DocumentSelector): vscode.Disposable[] {
  let schema: JsonSchema | undefined;
  const get = () => (schema ??= modelFileJsonSchema());
  const yamlOnly = (doc: vscode.TextDocument) => !/\.json$/i.test(doc.uri.fsPath); // JSON gets the schema through jsonValidation
  return [
    vscode.languages.registerCompletionItemProvider(selector, {
      provideCompletionItems(doc, pos) {
        if (!yamlOnly(doc)) return [];
        const place = yamlPlace(doc.getText().split(/\r?\n/), pos.line, pos.character);
        return completions(get(), place).map((s) => {
          const item = new vscode.CompletionItem(s.label, s.kind === 'key' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.EnumMember);
          item.detail = s.detail;
          item.documentation = s.documentation ? new vscode.MarkdownString(s.documentation) : undefined;
          item.insertText = s.insert;
          return item;
        });
      },
    }, ':', ' '),
    vscode.languages.registerHoverProvider(selector, {
      provideHover(doc, pos) {
        if (!yamlOnly(doc)) return undefined;
        const range = doc.getWordRangeAtPosition(pos, /[\w$.-]+/);
        if (!range) return undefined;
        const lines = doc.getText().split(/\r?\n/);
        const line = lines[pos.line] ?? '';
        // hover works on keys: "key:" right after the word
        if (!/^\s*:/.test(line.slice(range.end.character))) return undefined;
        const text = hover(get(), { ...yamlPlace(lines, pos.line, range.end.character), at: 'key', key: doc.getText(range) });
        return text ? new vscode.Hover(new vscode.MarkdownString(text), range) : undefined;
      },
    }),
  ];
}
