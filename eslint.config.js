import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/api/generated/', 'coverage/', 'data/'] },
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
      'no-restricted-imports': ['error', { patterns: [{ group: ['../api/*', '../storage/*', 'express', 'better-sqlite3'], message: 'domain depends on neither HTTP nor SQLite.' }] }],
    },
  },
);
