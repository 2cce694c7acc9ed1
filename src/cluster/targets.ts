/**
 * Targets: where runs and sweeps train. `local` is this machine (always there); the workspace's
 * `.model-studio/targets.yaml` names the others, each a SLURM cluster with the sbatch options of its jobs:
 *
 *   targets:
 *     gpu-cluster:
 *       type: slurm
 *       partition: gpu
 *       gres: gpu:1
 *       cpusPerTask: 8
 *       mem: 32G
 *       time: "04:00:00"
 *       account: myproject                # optional
 *       setup: module load cuda/12.2      # optional shell lines before the run
 *       command: model-studio             # how the nodes start the CLI (default: this Node + this install's dist/cli.js)
 *
 * One TypeBox schema gives the validator, the defaults and the JSON Schema (schemas/targets.schema.json).
 * Problems come back as SpecProblems with line and column and "did you mean", like a model file's.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { parseModelText } from '../modelFile/parse';
import { fileProblem, hasErrors, SpecError, sortProblems, type SpecProblem } from '../modelFile/problems';
import { schemaProblems } from '../modelFile/validate';
import { suggestion } from '../modelFile/suggest';
import { problemAt } from '../modelFile/parse';
import { cannotRead } from '../modelFile';

const Strict = { additionalProperties: false } as const;

/** SLURM's time limit formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
export const TIME_PATTERN = '^(\\d+|\\d+:\\d{1,2}|\\d+:\\d{1,2}:\\d{1,2}|\\d+-\\d{1,2}|\\d+-\\d{1,2}:\\d{1,2}|\\d+-\\d{1,2}:\\d{1,2}:\\d{1,2}|UNLIMITED|unlimited|INFINITE|infinite)$';
export const MEM_PATTERN = '^\\d+(\\.\\d+)?[KMGTkmgt]?[Bb]?$';
export const GRES_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]*(:[A-Za-z0-9_.-]+)*(,[A-Za-z][A-Za-z0-9_.-]*(:[A-Za-z0-9_.-]+)*)*$';
export const TARGET_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';

export const SlurmTargetSchema = Type.Object({
  type: Type.Union([Type.Literal('slurm')], { description: 'The kind of target: `slurm` (jobs submitted with sbatch). `local`, this machine, needs no entry.' }),
  partition: Type.Optional(Type.String({ minLength: 1, description: 'sbatch --partition: the partition (queue) jobs go to. Default: the cluster\'s default partition.' })),
  gres: Type.Optional(Type.String({ pattern: GRES_PATTERN, patternErrorMessage: 'generic resources as sbatch --gres takes them, e.g. `gpu:1`, `gpu:a100:2` or `gpu:1,shard:2`', description: 'sbatch --gres: generic resources per node, e.g. `gpu:1` or `gpu:a100:2`.' })),
  cpusPerTask: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, description: 'sbatch --cpus-per-task.' })),
  mem: Type.Optional(Type.Union([Type.String({ pattern: MEM_PATTERN, patternErrorMessage: 'a size as sbatch --mem takes it, e.g. `32G`, `500M` (no space)' }), Type.Integer({ minimum: 1 })], { description: 'sbatch --mem: memory per node, e.g. `32G` or `4000` (megabytes). Without it the cluster\'s default applies (on some, the whole node).' })),
  time: Type.Optional(Type.Union([Type.String({ pattern: TIME_PATTERN, patternErrorMessage: 'a time limit as sbatch --time takes it: minutes, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS` (e.g. `"04:00:00"`)' }), Type.Integer({ minimum: 1 })], { description: 'sbatch --time: the time limit, e.g. `"04:00:00"`, `"2-00:00:00"` or 90 (minutes). A job at its limit is marked failed, keeps its checkpoints and can be resumed.' })),
  account: Type.Optional(Type.String({ minLength: 1, description: 'sbatch --account: the account charged.' })),
  qos: Type.Optional(Type.String({ minLength: 1, description: 'sbatch --qos: the quality of service.' })),
  constraint: Type.Optional(Type.String({ minLength: 1, description: 'sbatch --constraint: node features required, e.g. `a100`.' })),
  setup: Type.Optional(Type.String({ description: 'Shell lines run on the node before training (e.g. `module load cuda/12.2`, activating an environment).' })),
  command: Type.Optional(Type.String({ minLength: 1, description: 'How the nodes start the Model Studio CLI, e.g. `model-studio` or `/shared/node/bin/node /shared/model-studio/dist/cli.js`. Default: the Node.js and the dist/cli.js of the install that submits (right when nodes share its filesystem).' })),
  sbatchArgs: Type.Optional(Type.Array(Type.String({ pattern: '^-', patternErrorMessage: 'an sbatch option starting with `-`, e.g. `--exclusive`' }), { description: 'More sbatch options, verbatim, e.g. `["--nodelist=node07", "--exclusive"]`.' })),
  pollSeconds: Type.Optional(Type.Number({ minimum: 2, maximum: 600, description: 'How often SLURM is asked about this target\'s jobs (one squeue call for all of them). Default 5.' })),
}, { ...Strict, description: 'A SLURM cluster: runs are batch jobs that train in the workspace (on the shared filesystem).' });

export const TargetsFileSchema = Type.Object({
  targets: Type.Record(Type.String({ pattern: TARGET_NAME_PATTERN }), SlurmTargetSchema, {
    description: 'Named targets. `local` (this machine) is always there and cannot be redefined.',
    additionalProperties: false,
  }),
}, { ...Strict, description: 'Where Model Studio runs train: .model-studio/targets.yaml in the workspace.' });

export type SlurmTarget = Static<typeof SlurmTargetSchema>;
export type TargetsFile = Static<typeof TargetsFileSchema>;

/** Where the file lives in a workspace (first found wins). */
export const TARGETS_FILES = ['.model-studio/targets.yaml', '.model-studio/targets.yml', '.model-studio/targets.json'] as const;
export const LOCAL_TARGET = 'local';

export interface ResolvedTarget {
  name: string;
  /** the targets file it came from */
  file: string;
  target: SlurmTarget;
}

/** The JSON Schema of targets files, for editors. */
export function targetsJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(JSON.parse(JSON.stringify(TargetsFileSchema)) as Record<string, unknown>) };
}

export async function findTargetsFile(workspaceRoot: string): Promise<string | undefined> {
  for (const rel of TARGETS_FILES) {
    const file = path.join(workspaceRoot, rel);
    try {
      if ((await fsp.stat(file)).isFile()) return file;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Check a targets file's text: every problem with its place. `targets` only when there are no errors. */
export function validateTargetsText(text: string, file: string): { targets?: Record<string, SlurmTarget>; problems: SpecProblem[] } {
  if (text.trim() === '') {
    return { problems: [fileProblem(file, 'the targets file is empty: it needs a `targets:` mapping of names to targets (see "Training on a SLURM cluster" in the README)')] };
  }
  const parsed = parseModelText(text, file);
  if (parsed.problems.length > 0) return { problems: sortProblems(parsed.problems) };
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [problemAt(parsed, [], 'a targets file is a mapping with one key, `targets:`, of names to targets')] };
  }
  const targets = (value as { targets?: unknown }).targets;
  const badNames = new Set<string>(); // line:column of names already reported
  const problems: SpecProblem[] = [];
  if (typeof targets === 'object' && targets !== null && !Array.isArray(targets)) {
    for (const name of Object.keys(targets)) {
      if (name === LOCAL_TARGET) problems.push(problemAt(parsed, ['targets', name], '`local` is this machine and is always there: name your cluster target something else', {}, 'key'));
      else if (!new RegExp(TARGET_NAME_PATTERN).test(name)) {
        const p = problemAt(parsed, ['targets', name], `target name '${name}': use letters, digits, \`_\`, \`.\` and \`-\`, starting with a letter or digit (it is typed after --target)`, { value: name }, 'key');
        badNames.add(`${p.line}:${p.column}`);
        problems.push(p);
      }
    }
  }
  problems.push(...schemaProblems(parsed, TargetsFileSchema, value).filter((p) => !badNames.has(`${p.line}:${p.column}`)));
  const sorted = sortProblems(problems);
  return hasErrors(sorted) ? { problems: sorted } : { targets: (value as TargetsFile).targets, problems: sorted };
}

/** Read and check a targets file; SpecError (with every problem) when it has errors. */
export async function loadTargetsFile(file: string): Promise<Record<string, SlurmTarget>> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new SpecError([fileProblem(file, cannotRead(err))]);
  }
  const { targets, problems } = validateTargetsText(text, file);
  if (!targets) throw new SpecError(problems);
  return targets;
}

/**
 * The target named `name` in the workspace's targets file; a SpecError that says what to do when there is
 * no file, the file has errors, or no target has that name (with "did you mean").
 */
export async function resolveTarget(workspaceRoot: string, name: string): Promise<ResolvedTarget> {
  const file = await findTargetsFile(workspaceRoot);
  const where = path.join(workspaceRoot, TARGETS_FILES[0]);
  if (!file) {
    throw new SpecError([fileProblem(where, `no targets file: target '${name}' would be defined in ${where} (targets: { ${name}: { type: slurm, partition: …, time: … } }; see "Training on a SLURM cluster" in the README)`)]);
  }
  const targets = await loadTargetsFile(file);
  const target = targets[name];
  if (!target) {
    const names = Object.keys(targets);
    throw new SpecError([fileProblem(file, `no target named '${name}'${suggestion(name, names) || '.'} Targets in this file: ${names.join(', ') || 'none'} (and local, this machine)`, { path: `targets.${name}` })]);
  }
  return { name, file, target };
}
