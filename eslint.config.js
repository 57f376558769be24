import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'clients/typescript/dist/', 'node_modules/', 'src/api/generated/', 'coverage/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/utils', '**/utils.js'], message: 'Name modules after what they hold.' }] }],
    },
  },
  {
    // Small modules and functions (STYLE.md, habit 2; issue 11): an exception carries its reason beside it.
    files: ['src/**/*.ts', 'ui/src/**/*.ts'],
    ignores: ['src/bo/sobol-directions.ts'], // a data table, written by scripts/generate-sobol-directions.py
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The numerics import nothing of the project (STYLE.md: imports flow api → domain → bo).
    files: ['src/bo/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../api/*', '../domain/*', '../storage/*', '../server*', '../config*'], message: 'src/bo is pure: it imports nothing of the project.' }] }],
      'no-restricted-globals': ['error', { name: 'Date', message: 'bo is pure: no clock.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'bo is pure: randomness comes in as an argument.' }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/api/*', '**/storage/*', '**/workers/*', 'express', 'better-sqlite3'], message: 'domain depends on neither HTTP, SQLite nor threads.' }] }],
    },
  },
);
