/**
 * `model-studio export RUN_DIR --out DIR [--name N]`: a deploy folder that serves the run's model
 * with `npm install && npm start` on a machine with only Node.js.
 */
import { exportModel } from '../serve/export';

const USAGE = 'Usage: model-studio export RUN_DIR --out DIR [--name N]\n';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let input: string | undefined;
  let out: string | undefined;
  let name: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--out' || a === '-o') out = args[++i];
    else if (a.startsWith('--out=')) out = a.slice(6);
    else if (a === '--name') name = args[++i];
    else if (a.startsWith('--name=')) name = a.slice(7);
    else if (a.startsWith('-')) { process.stderr.write(`model-studio export: unknown option '${a}'\n${USAGE}`); return 2; }
    else if (input) { process.stderr.write(`model-studio export: one run folder only (got '${input}' and '${a}')\n${USAGE}`); return 2; }
    else input = a;
  }
  if (!input || !out) {
    process.stderr.write(`model-studio export: ${!input ? 'which run? give a run folder (or a model folder)' : '--out DIR is required'}\n${USAGE}`);
    return 2;
  }
  try {
    const result = await exportModel(input, out, { name });
    process.stdout.write(`Exported ${result.name} from ${result.modelDir} to ${result.outDir}:\n${result.files.map((f) => `  ${f}`).join('\n')}\n`);
    process.stdout.write(`Start it with: cd ${out} && npm install && npm start\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`model-studio export: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
