/** The one table of CLI commands. Each command lives in its own file and returns an exit code. */
export interface CliCommand {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

const lazy = (summary: string, usageLine: string, load: () => Promise<{ run(args: string[]): Promise<number> }>): CliCommand => ({
  summary,
  usage: usageLine,
  run: async (args) => (await load()).run(args),
});

export const COMMANDS: Record<string, CliCommand> = {
  validate: lazy('check model files', 'model-studio validate FILE…', () => import('./validate')),
  inspect: lazy('show what the data pipeline finds', 'model-studio inspect FILE', () => import('./inspect')),
  train: lazy('train a model file into a run folder, or continue a run', 'model-studio train FILE [--epochs N] [--backend NAME] [--runs-dir DIR] [--set PATH=VALUE]… [--target NAME [--detach]] [--no-cache] [--json]\n      model-studio train --resume RUN_DIR [--epochs N] [--backend NAME] [--json]', () => import('./train')),
  sweep: lazy("run the model file's sweep: section (hyperparameter search)", 'model-studio sweep FILE [--trials N] [--parallel K] [--resume] [--sweep DIR] [--backend NAME] [--runs-dir DIR] [--target NAME] [--json]', () => import('./sweep')),
  compare: lazy('runs side by side: what changed, best and final metrics', 'model-studio compare RUN_DIR RUN_DIR… [--all] [--json]', () => import('./compare')),
  runs: lazy("a model's runs (and its sweeps' trials) as a table", 'model-studio runs RUNS_DIR/<model> [--sort METRIC] [--json]', () => import('./runs')),
  note: lazy("show or set a run's note and tags", 'model-studio note RUN_DIR [--note TEXT] [--tag T]… [--untag T]… [--json]', () => import('./note')),
  evaluate: lazy('evaluate a run or saved model again', 'model-studio evaluate RUN_OR_MODEL_DIR [--data FILE] [--backend NAME] [--json]', () => import('./evaluate')),
  predict: lazy('predict from raw records with a saved model', 'model-studio predict MODEL_DIR INPUT(.csv|.tsv|.json|.jsonl|.parquet|.arrow) [--out FILE.csv] [--backend NAME] [--json]', () => import('./predict')),
  cache: lazy('list or clear the disk cache of large tables', 'model-studio cache [list|clear] [--workspace DIR] [--json]', () => import('./cache')),
  serve: lazy('serve a saved model over TF Serving and MLflow REST', 'model-studio serve MODEL_OR_RUN_DIR [--name N] [--host 127.0.0.1] [--port 8501] [--max-body 10mb] [--backend NAME]', () => import('./serve')),
  export: lazy('write a self-contained deploy folder (npm install && npm start)', 'model-studio export RUN_DIR --out DIR', () => import('./export')),
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}\n      ${c.usage}`);
  return `Usage: model-studio <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}
