// ESLint: the recommended JavaScript and TypeScript rules, plus a few that catch real mistakes in async code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'src/channels/web/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-control-regex': 'off',
      'prefer-const': 'error',
      eqeqeq: ['error', 'smart'],
      'no-regex-spaces': 'off',
      // Prettier wraps code at 140 columns but not strings, template literals or comments: this keeps those within it too.
      'max-len': ['error', { code: 140, ignoreUrls: true }],
    },
  },
  // The fakes and the update parsers read the platforms' JSON wire formats, loosely typed on purpose.
  {
    files: ['tests/fakes/**', 'src/channels/telegram.ts', 'src/channels/zalo/update.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
