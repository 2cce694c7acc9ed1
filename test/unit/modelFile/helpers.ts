/** Shared helpers for the spec tests: a throwaway workspace with files, and validation shortcuts. */
import { mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { validateModelText, type SpecProblem } from '../../../src/modelFile';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/modelFile');

export const FLOWERS_CSV = 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n';

/** A valid model file; tests change one thing in it. */
export const VALID = `name: flowers
task: classification
data:
  source: flowers.csv
  label: species
model:
  layers:
    - { type: dense, units: 8, activation: relu }
train:
  epochs: 5
  metrics: [accuracy]
`;

export interface Workspace {
  root: string;
  file(rel: string): string;
  write(rel: string, content: string): string;
  dispose(): void;
}

export function workspace(files: Record<string, string> = { 'flowers.csv': FLOWERS_CSV }): Workspace {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'spec-test-')));
  const ws: Workspace = {
    root,
    file: (rel) => path.join(root, rel),
    write: (rel, content) => {
      const p = path.join(root, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const [rel, content] of Object.entries(files)) ws.write(rel, content);
  return ws;
}

/** Validate `text` as `<root>/m.model.yaml` in a workspace holding flowers.csv. */
export async function check(text: string, opts: { file?: string; files?: Record<string, string>; checkData?: boolean } = {}): Promise<{ problems: SpecProblem[]; errors: SpecProblem[]; warnings: SpecProblem[]; valid: boolean }> {
  const ws = workspace({ 'flowers.csv': FLOWERS_CSV, ...opts.files });
  try {
    const file = ws.file(opts.file ?? 'm.model.yaml');
    const { spec, problems } = await validateModelText(text, file, { workspaceRoot: ws.root, checkData: opts.checkData });
    const errors = problems.filter((p) => p.severity === 'error');
    return { problems, errors, warnings: problems.filter((p) => p.severity === 'warning'), valid: spec !== undefined };
  } finally {
    ws.dispose();
  }
}

/** The one problem at `path` (fails the test with every problem listed when there is not exactly one). */
export function only(problems: SpecProblem[], fieldPath: string): SpecProblem {
  const found = problems.filter((p) => p.path === fieldPath);
  if (found.length !== 1) throw new Error(`expected one problem at ${fieldPath}, got:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  return found[0];
}

/** VALID with `find` replaced by `replace` (asserting it was there). */
export function edit(find: string, replace: string, base = VALID): string {
  if (!base.includes(find)) throw new Error(`test bug: ${JSON.stringify(find)} is not in the base text`);
  return base.replace(find, replace);
}
