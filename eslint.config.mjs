import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dev/host/dist/**',
      'node_modules/**',
      'coverage/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      'dev/host/conformance/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Node.js code (app, local host, tests, tools) and the browser page (DOM library, no Node.js types).
    languageOptions: {
      parserOptions: { project: ['./tsconfig.eslint.json', './src/ui/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      // A leading underscore marks a binding kept on purpose (a rest sibling that drops a key, a
      // positional parameter an interface requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'dev/host/test/**/*.ts'],
    rules: {
      // Tests walk untyped documents (ARM templates, Logic Apps workflow definitions, JSON and
      // problem+json bodies, host.json) and use jest's asymmetric matchers (`expect.any(String)`),
      // which are typed `any`: there the expect() assertions, not the static types, are the check.
      // Source code (src, dev, bench, scripts) keeps all of these rules.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  prettier,
);
