/**
 * The model-definition file's public API: used by the CLI, the engine and the editor (on every
 * keystroke, so it stays fast and async: no TF.js, no blocking file I/O, reads only the data file's header;
 * resolveDataSource and locateField are synchronous for the engine).
 *
 * Pipeline (Ludwig's order): parse with positions → defaults → schema → cross-field and data checks.
 *
 * The workspace root, when not given, is the nearest folder at or above the model file holding `.git`
 * or `package.json`, else the model file's own folder. Paths in the file may not leave it.
 */
import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatSizeOver, limit, limitHint } from '../limits';
import { checkCrossField, epochMetricNames } from './crossField';
import { parsePath } from './fieldPath';
import { parseModelText, problemAt, tooDeep, type ParsedText } from './parse';
import { findWorkspaceRootAsync, resolveInWorkspace } from './paths';
import { specialFileKind } from './peek';
import { fileProblem, hasErrors, SpecError, sortProblems, type SpecProblem } from './problems';
import type { ModelSpecFile } from './schema';
import { checkSweep, resolveFieldPath, setAtPath, type SweepPlan } from './sweepCheck';
import { checkSchema } from './validate';

export { formatProblem, SpecError, type SpecProblem } from './problems';
export { findWorkspaceRoot, findWorkspaceRootAsync, resolveInWorkspace, resolveInWorkspaceAsync } from './paths';
export { peekColumns } from './peek';
export { describeEstimate, estimateModel, modelTooBig, type ModelEstimate } from './modelSize';
export { modelFileJsonSchema, writeSchemaFile } from './jsonSchema';
export * from './schema';
export { checkValueAt, dotted, goalOf, gridValues, REPORT_METRICS, resolveFieldPath, setAtPath, type SweepParam, type SweepPlan } from './sweepCheck';
export type { SweepConfig, SweepGoal, SweepMethod } from './sweepSchema';

export interface ValidateOptions {
  /** folder paths may not leave (default: see findWorkspaceRoot) */
  workspaceRoot?: string;
  /** check that data.source exists and that label/features/columns name its columns (default true) */
  checkData?: boolean;
  /** fields set from outside the file (`train --set PATH=VALUE`, a sweep's trial), applied before it is checked */
  overrides?: FieldOverride[];
}

/** One field set from outside the file: a path as sweeps write it (`model.layers.0.units`) and its value. */
export interface FieldOverride { path: string; value: unknown }

export interface ValidationResult {
  /** the resolved spec (defaults filled); present only when there are no errors */
  spec?: ModelSpecFile;
  /** errors and warnings in file order */
  problems: SpecProblem[];
  /** the `sweep:` section, checked and normalised (only with a spec, when the file has one) */
  sweep?: SweepPlan;
}

/** Validate a model file's text. Never throws: every failure is a problem. */
export async function validateModelText(text: string, file: string, opts: ValidateOptions = {}): Promise<ValidationResult> {
  try {
    const max = limit('modelFileBytes');
    if (text.length > max) return { problems: [fileProblem(file, tooBig(Buffer.byteLength(text), max))] };
    let parsed = parseModelText(text, file);
    if (parsed.problems.length > 0) return { problems: sortProblems(parsed.problems) };
    let schema = checkSchema(parsed);
    if (hasErrors(schema.problems)) return { problems: sortProblems(schema.problems) };
    if (opts.overrides && opts.overrides.length > 0) {
      const applied = applyOverrides(parsed, schema.resolved as ModelSpecFile, opts.overrides);
      if (hasErrors(applied.problems)) return { problems: sortProblems(applied.problems) };
      parsed = applied.parsed;
      schema = checkSchema(parsed);
      const from = opts.overrides.map((o) => `--set ${o.path}=${JSON.stringify(o.value)}`).join(', ');
      for (const p of schema.problems) p.message = `${p.message} (with ${from})`;
      if (hasErrors(schema.problems)) return { problems: sortProblems(schema.problems) };
    }
    const spec = schema.resolved as ModelSpecFile;
    const sweep = checkSweep(parsed, spec, epochMetricNames(spec));
    const workspaceRoot = path.resolve(opts.workspaceRoot ?? (await findWorkspaceRootAsync(file)));
    const cross = await checkCrossField(parsed, spec, { workspaceRoot, checkData: opts.checkData ?? true });
    const problems = sortProblems([...schema.problems, ...sweep.problems, ...cross]);
    return hasErrors(problems) ? { problems } : { spec, problems, ...(sweep.plan ? { sweep: sweep.plan } : {}) };
  } catch (err) {
    // Recursion past the stack in any stage: the nesting pre-check missed a shape; still say what it is.
    if (err instanceof RangeError && /call stack/.test(err.message)) return { problems: [fileProblem(file, tooDeep(limit('nestingDepth')))] };
    // A bug here must not take the editor or the CLI down with it; say so plainly instead.
    const detail = err instanceof Error ? err.stack ?? err.message : String(err);
    return { problems: [fileProblem(file, `internal error while validating (please report it): ${detail.split('\n').slice(0, 3).join(' ')}`)] };
  }
}

/**
 * The text of a model file, refusing what is not one before reading it: a pipe or a device (which could
 * never end), a folder, or a file over the size limit. Throws SpecError naming the file.
 */
export async function readModelFile(file: string): Promise<string> {
  try {
    const st = await stat(file);
    const special = st.isDirectory() ? undefined : specialFileKind(st);
    if (special) throw new SpecError([fileProblem(file, `this is ${special}, not a model file: point to a .model.yaml or .model.json file on disk`)]);
    const max = limit('modelFileBytes');
    if (st.isFile() && st.size > max) throw new SpecError([fileProblem(file, tooBig(st.size, max))]);
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new SpecError([fileProblem(file, cannotRead(err))]);
  }
}

const tooBig = (size: number, max: number) =>
  `the model file is ${formatSizeOver(size, max)}, larger than a model file can be (${limitHint('modelFileBytes', max)}); a model file holds settings and layers, not data`;

/** Read, validate and resolve a model file. Throws SpecError (with every problem) when it has errors. */
export async function loadModelFile(file: string, opts: { workspaceRoot?: string; overrides?: FieldOverride[] } = {}): Promise<ModelSpecFile> {
  return (await loadModelFileWithSweep(file, opts)).spec;
}

/** loadModelFile, with the checked `sweep:` section (undefined when the file has none). */
export async function loadModelFileWithSweep(file: string, opts: { workspaceRoot?: string; overrides?: FieldOverride[] } = {}): Promise<{ spec: ModelSpecFile; sweep?: SweepPlan }> {
  const text = await readModelFile(file);
  const { spec, problems, sweep } = await validateModelText(text, file, { workspaceRoot: opts.workspaceRoot, checkData: true, overrides: opts.overrides });
  if (!spec) throw new SpecError(problems);
  return { spec, ...(sweep ? { sweep } : {}) };
}

/**
 * The file as written with each override put in place (the paths are checked against the file, with
 * "did you mean"); problems are located at the nearest field the file writes.
 */
function applyOverrides(parsed: ParsedText, spec: ModelSpecFile, overrides: FieldOverride[]): { parsed: ParsedText; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  let doc = parsed.value;
  for (const o of overrides) {
    const found = resolveFieldPath(spec, o.path);
    if (!found.ok) {
      problems.push(problemAt(parsed, parsePath(o.path), `--set ${o.path}: ${found.message}`, { value: o.value, ...(found.allowed ? { allowed: found.allowed } : {}) }, 'key'));
      continue;
    }
    doc = setAtPath(doc, found.path.segments, o.value);
  }
  return { parsed: { ...parsed, value: doc }, problems };
}

export function cannotRead(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (code === 'ENOENT') return 'the file does not exist';
  if (code === 'EISDIR') return 'this is a folder, not a model file';
  if (code === 'EACCES' || code === 'EPERM') return 'the file cannot be read (permission denied)';
  return `the file cannot be read: ${err instanceof Error ? err.message : String(err)}`;
}

/** data.source as an absolute path inside the workspace. Throws SpecError located at `data.source`. */
export function resolveDataSource(spec: ModelSpecFile, file: string, workspaceRoot: string): string {
  try {
    return resolveInWorkspace(path.dirname(path.resolve(file)), spec.data.source, workspaceRoot);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // the file is gone: keep line 1
    }
    const parsed = parseModelText(text, file);
    throw new SpecError([problemAt(parsed, ['data', 'source'], err.problems[0].message, { value: spec.data.source })]);
  }
}

/** A problem at a field of a model file on disk, located in its current text (for checks the engine makes after validation). */
export function problemAtField(file: string, fieldPath: string, message: string, extra: Partial<SpecProblem> = {}): SpecProblem {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // the file is gone: keep line 1
  }
  const at = locateField(text, fieldPath);
  return fileProblem(file, message, { path: fieldPath, ...(at ? { line: at.line, column: at.column, endLine: at.endLine, endColumn: at.endColumn } : {}), ...extra });
}

/**
 * Where a field (`data.label`, `model.layers[2].units`) is written in a model file's text: the
 * position of its key (of the item, for list items). When the field itself is not written, the
 * nearest written ancestor, with `exact: false`; undefined when not even the first part is.
 */
export function locateField(text: string, fieldPath: string): { line: number; column: number; endLine: number; endColumn: number; exact: boolean } | undefined {
  const parsed = parseModelText(text, '');
  const segs = parsePath(fieldPath);
  for (let n = segs.length; n > 0; n--) {
    const loc = parsed.locate(segs.slice(0, n), 'key');
    if (loc.exact) return { line: loc.line, column: loc.column, endLine: loc.endLine, endColumn: loc.endColumn, exact: n === segs.length };
  }
  return undefined;
}
