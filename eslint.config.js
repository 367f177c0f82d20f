// ESLint: typescript-eslint's type-aware recommended set over everything tsc checks
// (src, test, bench) and over the build scripts. A rule is switched off or tuned only with its
// reason written next to it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {ignores: ['compiled/', 'dist/', 'build/', 'node_modules/']},
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs']},
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // An async method without `await` is how this code meets a Promise-returning interface
      // (FdReader.read, Timers-driven fakes' sleep) and turns a synchronous throw into a
      // rejection. The rule flags exactly that idiom and nothing else here.
      '@typescript-eslint/require-await': 'off',
      // Passing on a caught error: its type is `unknown`, as with `throw error` in a catch.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', {allowThrowingUnknown: true}],
      // `let handle; spawn(..., () => use(handle)); handle = child;` is how a callback refers to
      // the object it is handed to: it cannot be const.
      'prefer-const': ['error', {ignoreReadBeforeAssign: true}],
      // Literal runs of spaces in a regex match the indented report text the way it reads.
      'no-regex-spaces': 'off',
      // One private-member style: TypeScript's `private` (the style most of the code used).
      'no-restricted-syntax': [
        'error',
        {selector: ':matches(PropertyDefinition, MethodDefinition) > PrivateIdentifier.key', message: "Use TypeScript's `private`, not a `#` member (one private-member style)."},
      ],
    },
  },
  {
    // Plain JavaScript carries no types: every value is `any` to the type-aware rules, so they
    // would flag each line without finding anything. These files get the untyped rules only.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {globals: {process: 'readonly', URL: 'readonly', console: 'readonly'}},
  },
);
