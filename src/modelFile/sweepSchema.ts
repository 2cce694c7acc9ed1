/**
 * The `sweep:` section of a model file (a hyperparameter search, W&B-sweep / KerasTuner style):
 *
 *   sweep:
 *     method: random          # grid | random | bayes (a seeded TPE-style sampler)
 *     trials: 12              # grid: optional cap
 *     parallel: 2             # trials at once (also capped by modelStudio.maxConcurrentRuns)
 *     metric: val_loss        # any metric the runs log
 *     goal: minimize          # minimize | maximize
 *     earlyTermination: { type: asha, minEpochs: 5, reductionFactor: 3 }   # optional; also: median
 *     seed: 7
 *     parameters:
 *       train.optimizer.learningRate: { min: 0.0001, max: 0.1, scale: log }
 *       train.batchSize: [16, 32, 64]
 *
 * Only the shape is here (for the JSON Schema and the schema stage); what a parameter path may name
 * and which values fit it is checked against the rest of the file by sweepCheck.ts.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';

export const SWEEP_METHODS = ['grid', 'random', 'bayes'] as const;
export const SWEEP_GOALS = ['minimize', 'maximize'] as const;
export const EARLY_TERMINATIONS = ['asha', 'median'] as const;
export const SWEEP_SCALES = ['linear', 'log'] as const;

const literals = <T extends readonly string[]>(values: T, description: string, def?: T[number]) =>
  Type.Union(values.map((v) => Type.Literal(v)) as never, { description, ...(def === undefined ? {} : { default: def }) }) as unknown as TUnion<TLiteral<T[number]>[]>;

const Strict = { additionalProperties: false } as const;

export const SweepRange = Type.Object({
  min: Type.Number({ description: 'Smallest value (included).' }),
  max: Type.Number({ description: 'Largest value (included).' }),
  scale: Type.Optional(literals(SWEEP_SCALES, "'linear' samples evenly; 'log' samples evenly in log space (learning rates, weight decay).")),
  step: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Values are min + k·step (grid needs it to list a range).' })),
}, { ...Strict, title: 'range', description: 'A numeric range; integer fields (units, batchSize) get integers.' });

export const SweepValues = Type.Object({
  values: Type.Array(Type.Unknown(), { minItems: 1, description: 'The values to choose from (any YAML value, lists and mappings too).' }),
}, { ...Strict, title: 'values', description: 'A list of values to choose from (long form).' });

export const SweepChoice = Type.Array(Type.Unknown(), { minItems: 1, title: 'choice', description: 'The values to choose from.' });

export const SweepParameter = Type.Union([SweepChoice, SweepRange, SweepValues], {
  description: 'A list of values, or a range { min, max, scale: linear | log, step }.',
});

export const EarlyTerminationSpec = Type.Object({
  type: literals(EARLY_TERMINATIONS, "'asha' (asynchronous successive halving) or 'median' (stop a trial worse than the median of the others at the same epoch)."),
  minEpochs: Type.Integer({ minimum: 1, default: 3, description: 'No trial is stopped before this many epochs (asha: the first rung).' }),
  reductionFactor: Type.Optional(Type.Integer({ minimum: 2, description: 'asha: keep the best 1/reductionFactor at each rung; rungs at minEpochs·reductionFactor^k (default 3).' })),
  minTrials: Type.Optional(Type.Integer({ minimum: 1, description: 'median: how many other trials must have reached an epoch before a trial can be stopped there (default 3).' })),
}, { ...Strict, description: 'Stop hopeless trials early, by their metric at intermediate epochs.' });

export const SweepSpec = Type.Object({
  method: literals(SWEEP_METHODS, "How parameters are chosen: 'grid' (every combination), 'random', or 'bayes' (a seeded TPE-style sampler that learns from finished trials).", 'random'),
  trials: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'How many trials (random and bayes: default 10; grid: a cap on the combinations).' })),
  parallel: Type.Integer({ minimum: 1, maximum: 64, default: 1, description: 'Trials trained at once, each its own process (also capped by modelStudio.maxConcurrentRuns in VS Code).' }),
  metric: Type.String({ minLength: 1, default: 'val_loss', description: 'The objective: a metric the runs log each epoch (val_loss, val_accuracy, …; its best epoch counts) or a test-report number prefixed test_ (test_accuracy, test_macroF1, test_r2, …).' }),
  goal: Type.Optional(literals(SWEEP_GOALS, 'Whether the metric should go down or up (default: from its name — losses and errors down, accuracy, F1, AUC and R² up).')),
  earlyTermination: Type.Optional(EarlyTerminationSpec),
  seed: Type.Integer({ default: 0, description: 'Seed of the sampler: the same file and seed give the same sequence of parameters.' }),
  parameters: Type.Record(Type.String({ minLength: 1 }), SweepParameter, {
    minProperties: 1,
    description: 'Field paths of this file (train.optimizer.learningRate, model.layers.0.units, …) → the values to try.',
  }),
}, { ...Strict, description: 'A hyperparameter sweep: trains this file many times with the parameters below changed (model-studio sweep FILE, or "Model Studio: Run Sweep").' });

export type SweepConfig = Static<typeof SweepSpec>;
export type SweepMethod = (typeof SWEEP_METHODS)[number];
export type SweepGoal = (typeof SWEEP_GOALS)[number];
