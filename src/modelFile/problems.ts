/**
 * A problem in a model file: where it is (1-based line/column range), which field (`train.optimizer.type`,
 * `model.layers[2].units`), the bad value and what is allowed. One type for every spec problem (STYLE.md §5),
 * so the CLI, the engine and the editor's diagnostics all read the same thing.
 */
export interface SpecProblem {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** the field, e.g. `train.optimizer.type` or `model.layers[2].units`; '' for the whole file */
  path: string;
  message: string;
  value?: unknown;
  allowed?: string[];
  severity: 'error' | 'warning';
}

/** Thrown by loadModelFile and resolveInWorkspace; carries every problem found. */
export class SpecError extends Error {
  readonly problems: SpecProblem[];

  constructor(problems: SpecProblem[], message?: string) {
    super(message ?? summarise(problems));
    this.name = 'SpecError';
    this.problems = problems;
  }
}

function summarise(problems: SpecProblem[]): string {
  const errors = problems.filter((p) => p.severity === 'error');
  const shown = (errors.length > 0 ? errors : problems).slice(0, 5).map(formatProblem);
  const more = problems.length > shown.length ? `\n(${problems.length - shown.length} more)` : '';
  return shown.join('\n') + more;
}

/** `FILE:LINE:COL: error: MESSAGE`: the format editors' problem matchers and CI annotators read. */
export function formatProblem(p: SpecProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.severity}: ${p.message}`;
}

/** A problem for the whole file (or a file that cannot be read): line 1, column 1. */
export function fileProblem(file: string, message: string, extra: Partial<SpecProblem> = {}): SpecProblem {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1, path: '', message, severity: 'error', ...extra };
}

export const hasErrors = (problems: readonly SpecProblem[]): boolean => problems.some((p) => p.severity === 'error');

/** In file order (stable: problems at the same place keep the order they were found in). */
export function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
