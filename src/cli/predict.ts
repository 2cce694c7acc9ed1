/**
 * `model-studio predict MODEL_DIR INPUT [--backend NAME] [--json]`: raw records from a csv, json or
 * jsonl file in, one prediction per record out (label and probabilities, or a value). The model's
 * saved preprocessing is applied, so the records look like the training data.
 */
import { backendArg, fmt, parseArgs, reportStartError, UsageError } from './train';

export async function run(args: string[]): Promise<number> {
  try {
    const parsed = parseArgs(args, { flags: ['json'], values: ['backend'] });
    if (parsed.positionals.length !== 2) throw new UsageError('give a model folder and an input file: model-studio predict MODEL_DIR INPUT(.csv|.json|.jsonl) [--json]');
    const [modelDir, input] = parsed.positionals;
    const backend = backendArg(parsed.values.get('backend'));
    const { readTable } = await import('../engine/data');
    const { loadSavedModel } = await import('../engine/saved');
    const { predictRecords } = await import('../engine/predict');
    const path = await import('node:path');
    const loaded = await loadSavedModel(modelDir, { backend });
    // An image file (or a .txt file for a text model) is one instance on its own; anything else is a table of records.
    const single = /\.(png|jpe?g)$/i.test(input) ? path.resolve(input)
      : /\.txt$/i.test(input) && loaded.preprocessing.inputKind === 'sequence' ? (await import('node:fs/promises')).readFile(input, 'utf8') : undefined;
    const table = single !== undefined ? { rows: [await single] as unknown as Array<Record<string, unknown>>, lineOfRow: [1] } : await readTable(input, {});
    const predictions = await predictRecords(loaded, table.rows, { baseDir: path.dirname(path.resolve(input)) });
    const out = process.stdout;
    if (parsed.flags.has('json')) {
      for (const p of predictions) out.write(`${JSON.stringify(p)}\n`);
    } else {
      predictions.forEach((p, i) => {
        const row = String(table.lineOfRow[i] ?? i + 1).padStart(5);
        if ('value' in p) out.write(`${row}  ${fmt(p.value)}\n`);
        else out.write(`${row}  ${p.label}  (p=${p.probabilities[p.label].toFixed(3)})\n`);
      });
    }
    return 0;
  } catch (err) {
    return reportStartError('predict', err);
  }
}
