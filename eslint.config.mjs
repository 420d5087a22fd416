// @ts-check
/**
 * ESLint flat config (STYLE.md item 16): typescript-eslint's recommended type-checked rules on
 * every TypeScript file, floating and misused promises as errors, and `npm run lint` allows no
 * warnings. Formatting is Prettier's job, so eslint-config-prettier comes last.
 */
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TYPESCRIPT_FILES = ['src/**/*.ts', 'libs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'];
const TEST_FILES = ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'];

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/', 'test-artifacts/', 'test/fixtures/'],
  },

  {
    files: TYPESCRIPT_FILES,
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Each file is checked with the nearest tsconfig.json: bench/ has its own.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Underscore-prefixed parameters are the usual way to say "required by the signature,
      // not used" (Nest interfaces, Express handlers, jest callbacks).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  {
    files: TEST_FILES,
    rules: {
      // expect(mock.method).toHaveBeenCalled() passes a method without its object on purpose:
      // jest only records the calls, it never invokes it with a lost `this`.
      '@typescript-eslint/unbound-method': 'off',
      // jest types its asymmetric matchers (`expect.any(Number)`, `expect.stringMatching(…)`)
      // and `mock.calls` as `any`, and specs read response bodies with `response.json()`: the
      // expectations that follow check those values, so flagging the assignment adds nothing.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // Fakes of async contracts stay `async` without awaiting: a `throw` inside them must
      // become a rejection, as it would in the real implementation.
      '@typescript-eslint/require-await': 'off',
    },
  },

  {
    // Loads TensorFlow.js on first use, and `@tensorflow/tfjs-node` only when it is installed:
    // require() inside try/catch is the point, and a static import of an optional package
    // would not compile where it is absent.
    files: ['libs/tfjs/tensorflow-runtime.ts'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },

  {
    // The web page's own scripts: plain ES modules run by the browser, no TypeScript.
    files: ['src/web/public/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'module',
      globals: globals.browser,
    },
  },

  prettier,
);
