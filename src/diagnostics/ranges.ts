/** Spec problems (1-based, end exclusive) to editor ranges (0-based); no `vscode`, so it is tested in Node. */
import type { SpecProblem } from '../modelFile/problems';

export interface ZeroRange { startLine: number; startCol: number; endLine: number; endCol: number }

/** An exact range; an empty one is widened to the rest of the word, or the whole line when there is none. */
export function problemRange(p: Pick<SpecProblem, 'line' | 'column' | 'endLine' | 'endColumn'>, lines: readonly string[]): ZeroRange {
  const clampLine = (l: number) => Math.min(Math.max(0, l), Math.max(0, lines.length - 1));
  const startLine = clampLine((p.line || 1) - 1);
  const startCol = Math.max(0, (p.column || 1) - 1);
  let endLine = clampLine((p.endLine || p.line || 1) - 1);
  let endCol = Math.max(0, (p.endColumn || p.column || 1) - 1);
  if (endLine < startLine || (endLine === startLine && endCol <= startCol)) {
    endLine = startLine;
    const text = lines[startLine] ?? '';
    const word = /^[^\s:,{}[\]]+/.exec(text.slice(startCol));
    endCol = word ? startCol + word[0].length : text.length;
    if (endCol <= startCol) return { startLine, startCol: 0, endLine, endCol: text.length };
  }
  return { startLine, startCol, endLine, endCol };
}
