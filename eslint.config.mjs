import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/e2e/tools/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-console': 'off',
    },
  },
  {
    // Data-sized arrays never go through spread arguments (`push(...rows)`, `Math.max(...values)`): past
    // ~100k elements V8 throws "Maximum call stack size exceeded". Write a loop (README "Data at scale").
    files: ['src/engine/data/**/*.ts', 'src/engine/evaluate/**/*.ts', 'src/engine/evaluation.ts', 'src/engine/predict.ts', 'src/engine/session.ts',
      'src/engine/train/**/*.ts', 'src/serve/instances.ts', 'src/serve/adapter.ts', 'src/serve/batcher.ts', 'src/serve/routes.ts', 'src/cli/inspect.ts', 'src/cli/predict.ts', 'src/cli/evaluate.ts', 'src/modelFile/peek.ts', 'bench/data.ts', 'bench/dataFormats.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'CallExpression > SpreadElement', message: 'no spread arguments: a data-sized array overflows the call stack; use a loop (or a bounded array with an eslint-disable comment saying why it is bounded)' },
        { selector: 'NewExpression > SpreadElement', message: 'no spread arguments: a data-sized array overflows the call stack; use a loop' },
      ],
    },
  },
  {
    // The data pipeline reads files in pieces (readers/), never whole into one string or buffer.
    files: ['src/engine/data/**/*.ts', 'src/cli/inspect.ts', 'src/cli/predict.ts', 'src/modelFile/peek.ts', 'src/engine/predict.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { property: 'readFile', message: 'data files are read in pieces through src/engine/data/readers; a per-sample file (an image, a .txt example) may be read whole with an eslint-disable comment saying so' },
        { property: 'readFileSync', message: 'data files are read in pieces through src/engine/data/readers' },
      ],
      'no-restricted-imports': ['error', { paths: [
        { name: 'node:fs/promises', importNames: ['readFile'], message: 'data files are read in pieces through src/engine/data/readers' },
        { name: 'fs/promises', importNames: ['readFile'], message: 'data files are read in pieces through src/engine/data/readers' },
        { name: 'node:fs', importNames: ['readFileSync', 'readFile'], message: 'data files are read in pieces through src/engine/data/readers' },
      ] }],
    },
  },
);
