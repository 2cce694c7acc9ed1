/**
 * `model-studio validate FILE… [--json] [--no-data] [--workspace DIR]`
 *
 * Prints one `FILE:LINE:COL: error: MESSAGE` line per problem on stdout (the format editors' problem
 * matchers and CI annotators read) and one `FILE: ok` line per valid file. Exit codes: 0 every file is
 * valid (warnings allowed), 1 any file has errors (a missing file is a problem at 1:1, not a crash),
 * 2 usage error.
 */
import { cannotRead, formatProblem, readModelFile, SpecError, validateModelText, type SpecProblem } from '../modelFile';
import { fileProblem } from '../modelFile/problems';

const USAGE = `Usage: model-studio validate FILE… [options]

Check model files (*.model.yaml, *.model.yml, *.model.json): schema, cross-field rules, data columns;
and targets files (.model-studio/targets.yaml): the schema of each target.

Options:
  --json            print the result as JSON: {"ok": bool, "files": [{"file", "ok", "problems": […]}]}
  --no-data         do not open data files (skip column and data.source checks)
  --workspace DIR   the folder paths may not leave (default: nearest folder with .git or package.json)
  -h, --help        show this help
`;

interface FileResult {
  file: string;
  ok: boolean;
  problems: SpecProblem[];
}

/** Where the command writes (tests pass their own). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const STD: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function run(args: string[], io: Output = STD): Promise<number> {
  const files: string[] = [];
  let json = false;
  let checkData = true;
  let workspaceRoot: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return 0;
    } else if (a === '--json') json = true;
    else if (a === '--no-data') checkData = false;
    else if (a === '--workspace' || a.startsWith('--workspace=')) {
      workspaceRoot = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (!workspaceRoot) return usageError(io, '--workspace needs a folder');
    } else if (a === '--') {
      files.push(...args.slice(i + 1));
      break;
    } else if (a.startsWith('-') && a !== '-') return usageError(io, `unknown option '${a}'`);
    else files.push(a);
  }
  if (files.length === 0) return usageError(io, 'no model file given');

  const results: FileResult[] = [];
  for (const file of files) {
    let problems: SpecProblem[];
    try {
      const text = await readModelFile(file);
      problems = isTargetsFile(file)
        ? (await import('../cluster/targets')).validateTargetsText(text, file).problems
        : (await validateModelText(text, file, { workspaceRoot, checkData })).problems;
    } catch (err) {
      problems = err instanceof SpecError ? err.problems : [fileProblem(file, cannotRead(err))];
    }
    results.push({ file, ok: !problems.some((p) => p.severity === 'error'), problems });
  }

  const ok = results.every((r) => r.ok);
  if (json) {
    io.out(`${JSON.stringify({ ok, files: results }, null, 2)}\n`);
  } else {
    const lines: string[] = [];
    for (const r of results) {
      for (const p of r.problems) lines.push(formatProblem(p));
      if (r.ok) {
        const warnings = r.problems.length;
        lines.push(`${r.file}: ok${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`);
      }
    }
    io.out(`${lines.join('\n')}\n`);
  }
  return ok ? 0 : 1;
}

/** `.model-studio/targets.yaml` (or .yml/.json): a targets file, not a model file. */
const isTargetsFile = (file: string): boolean => /(^|[\\/])\.model-studio[\\/]targets\.(ya?ml|json)$/.test(file);

function usageError(io: Output, message: string): number {
  io.err(`model-studio validate: ${message}\n\n${USAGE}`);
  return 2;
}
