/**
 * `model-studio predict MODEL_DIR INPUT [--out FILE.csv] [--backend NAME] [--json]`: raw records from a
 * csv, tsv, json, jsonl, parquet or arrow file in, one prediction per record out (label and
 * probabilities, or a value). The model's saved preprocessing is applied, so the records look like the
 * training data. The input is read in batches and predictions are written as they come, so a file of
 * millions of rows needs the memory of one batch. Each output line starts with the record's row
 * (CSV/TSV: the spreadsheet row; JSONL: the line; JSON array: the record number; Parquet/Arrow: the row
 * number), and an input error names the file and that row. With --out, a CSV file is written instead:
 * `row,prediction` (+ `probability` and one `p_<class>` column per class for classification).
 */
import { backendArg, fmt, parseArgs, reportStartError, shown, UsageError } from './train';

/** A CSV field, quoted when it needs to be. */
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export async function run(args: string[]): Promise<number> {
  try {
    const parsed = parseArgs(args, { flags: ['json'], values: ['backend', 'out'] });
    if (parsed.positionals.length !== 2) throw new UsageError('give a model folder and an input file: model-studio predict MODEL_DIR INPUT(.csv|.json|.jsonl|.parquet|.arrow) [--out FILE.csv] [--json]');
    const [modelDir, input] = parsed.positionals;
    const backend = backendArg(parsed.values.get('backend'));
    const outFile = parsed.values.get('out');
    const fs = await import('node:fs');
    const path = await import('node:path');
    if (!fs.existsSync(input)) throw new UsageError(`${input}: no such file (the input to predict on, the second argument)`);
    const { NotDataFileError, statData } = await import('../modelFile/peek');
    await statData(input).catch((err: unknown) => {
      throw err instanceof NotDataFileError ? new UsageError(`${input} ${err.reason} (the input to predict on, the second argument)`) : err;
    });
    const { openTable } = await import('../engine/data');
    const { batchRecords } = await import('../engine/data/records');
    const { loadSavedModel } = await import('../engine/saved');
    const { predictRecords } = await import('../engine/predict');
    const loaded = await loadSavedModel(modelDir, { backend });
    const file = path.resolve(input);
    const classes = loaded.preprocessing.label.classes;
    let sink: NodeJS.WritableStream = process.stdout;
    let fileOut: import('node:fs').WriteStream | undefined;
    if (outFile) {
      fileOut = fs.createWriteStream(outFile);
      sink = fileOut;
      const header = ['row', 'prediction', ...(classes ? ['probability', ...classes.map((c) => `p_${c}`)] : [])];
      fileOut.write(`${header.map(csvField).join(',')}\n`);
    }
    const write = async (text: string) => {
      if (!sink.write(text)) await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
    };
    type Prediction = Awaited<ReturnType<typeof predictRecords>>[number];
    const emit = async (row: number, p: Prediction) => {
      if (fileOut) {
        const fields = 'value' in p ? [String(row), String(p.value)] : [String(row), p.label, String(p.probabilities[p.label]), ...p.classes.map((c) => String(p.probabilities[c]))];
        await write(`${fields.map(csvField).join(',')}\n`);
      } else if (parsed.flags.has('json')) {
        await write(`${JSON.stringify(p)}\n`);
      } else {
        const at = String(row).padStart(5);
        await write('value' in p ? `${at}  ${fmt(p.value)}\n` : `${at}  ${p.label}  (p=${p.probabilities[p.label].toFixed(3)})\n`);
      }
    };
    let count = 0;
    try {
      // An image file (or a .txt file for a text model) is one instance on its own; anything else is a table of records.
      const single = /\.(png|jpe?g)$/i.test(input) ? file
        // eslint-disable-next-line no-restricted-properties -- one text example, not a table
        : /\.txt$/i.test(input) && loaded.preprocessing.inputKind === 'sequence' ? fs.readFileSync(input, 'utf8') : undefined;
      if (single !== undefined) {
        const [p] = await predictRecords(loaded, [single as unknown as Record<string, unknown>], { baseDir: path.dirname(file) });
        await emit(1, p);
        count = 1;
      } else {
        const reader = await openTable(file);
        // Image paths in an input table resolve against its folder and may not leave its workspace (symlinks
        // included); an image named on the command line is the user's own choice.
        const { findWorkspaceRoot } = await import('../modelFile/paths');
        const workspaceRoot = findWorkspaceRoot(file);
        try {
          // Which record a line of output (or an error) is about: the spreadsheet row of a CSV/TSV, the line of a
          // JSONL file, the 1-based record index of a JSON array (its records often share one line).
          const byIndex = reader.format === 'json';
          for await (const batch of reader.batches()) {
            const records = batchRecords(reader.columns, batch);
            const rowOf = (i: number) => (byIndex ? count + i + 1 : batch.lines[i]);
            const where = (i: number) => ({
              label: byIndex ? `${shown(file)}: record ${count + i + 1}` : `${shown(file)}:${rowOf(i)}`,
              file,
              row: rowOf(i),
            });
            const predictions = await predictRecords(loaded, records, { baseDir: path.dirname(file), workspaceRoot, where, decimalComma: reader.decimalComma });
            for (let i = 0; i < predictions.length; i++) await emit(rowOf(i), predictions[i]);
            count += batch.n;
          }
        } finally {
          await reader.close();
        }
      }
    } finally {
      if (fileOut) await new Promise<void>((resolve, reject) => (fileOut as import('node:fs').WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    if (outFile) process.stdout.write(`${count} prediction${count === 1 ? '' : 's'} written to ${shown(path.resolve(outFile))}\n`);
    return 0;
  } catch (err) {
    return reportStartError('predict', err);
  }
}
