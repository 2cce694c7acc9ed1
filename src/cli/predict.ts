/**
 * `model-studio predict MODEL_DIR INPUT [--backend NAME] [--json]`: raw records from a csv, json or
 * jsonl file in, one prediction per record out (label and probabilities, or a value). The model's
 * saved preprocessing is applied, so the records look like the training data. Each output line starts
 * with the record's row (CSV/TSV: the spreadsheet row; JSONL: the line; JSON array: the record number),
 * and an input error names the file and that row.
 */
import { backendArg, fmt, parseArgs, reportStartError, shown, UsageError } from './train';

export async function run(args: string[]): Promise<number> {
  try {
    const parsed = parseArgs(args, { flags: ['json'], values: ['backend'] });
    if (parsed.positionals.length !== 2) throw new UsageError('give a model folder and an input file: model-studio predict MODEL_DIR INPUT(.csv|.json|.jsonl) [--json]');
    const [modelDir, input] = parsed.positionals;
    const backend = backendArg(parsed.values.get('backend'));
    const fs = await import('node:fs');
    const path = await import('node:path');
    if (!fs.existsSync(input)) throw new UsageError(`${input}: no such file (the input to predict on, the second argument)`);
    const { NotDataFileError, statData } = await import('../modelFile/peek');
    await statData(input).catch((err: unknown) => {
      throw err instanceof NotDataFileError ? new UsageError(`${input} ${err.reason} (the input to predict on, the second argument)`) : err;
    });
    const { readTable } = await import('../engine/data');
    const { loadSavedModel } = await import('../engine/saved');
    const { predictRecords } = await import('../engine/predict');
    const loaded = await loadSavedModel(modelDir, { backend });
    // An image file (or a .txt file for a text model) is one instance on its own; anything else is a table of records.
    const single = /\.(png|jpe?g)$/i.test(input) ? path.resolve(input)
      : /\.txt$/i.test(input) && loaded.preprocessing.inputKind === 'sequence' ? fs.readFileSync(input, 'utf8') : undefined;
    const table = single !== undefined
      ? { rows: [single] as unknown as Array<Record<string, unknown>>, lineOfRow: [1], format: 'single' as const }
      : await readTable(input, {});
    // Which record a line of output (or an error) is about: the spreadsheet row of a CSV/TSV, the line of a
    // JSONL file, the 1-based record index of a JSON array (its records often share one line).
    const byIndex = table.format === 'json' || table.format === 'single';
    const rowOf = (i: number) => (byIndex ? i + 1 : table.lineOfRow[i] ?? i + 1);
    const where = (i: number) => ({
      label: byIndex ? `${shown(path.resolve(input))}: record ${i + 1}` : `${shown(path.resolve(input))}:${rowOf(i)}`,
      file: path.resolve(input),
      row: rowOf(i),
    });
    const predictions = await predictRecords(loaded, table.rows, { baseDir: path.dirname(path.resolve(input)), where });
    const out = process.stdout;
    if (parsed.flags.has('json')) {
      for (const p of predictions) out.write(`${JSON.stringify(p)}\n`);
    } else {
      predictions.forEach((p, i) => {
        const row = String(rowOf(i)).padStart(5);
        if ('value' in p) out.write(`${row}  ${fmt(p.value)}\n`);
        else out.write(`${row}  ${p.label}  (p=${p.probabilities[p.label].toFixed(3)})\n`);
      });
    }
    return 0;
  } catch (err) {
    return reportStartError('predict', err);
  }
}
