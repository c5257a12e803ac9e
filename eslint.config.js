// Type-aware lint over the TypeScript sources; `npm test` runs it after the build.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// The same type-aware rules for the gateway's sources and for the web console (console/, its own program).
const typeAwareRules = {
  "@typescript-eslint/no-explicit-any": "error",
  // node:test's test() and describe() hand their promise to the runner, which awaits it; a subtest's
  // t.test() is a method of the test context and stays checked.
  "@typescript-eslint/no-floating-promises": [
    "error",
    { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "describe"] }] },
  ],
  "@typescript-eslint/no-misused-promises": "error",
  "@typescript-eslint/await-thenable": "error",
  "@typescript-eslint/no-unused-vars": [
    "error",
    { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
  ],
  "@typescript-eslint/no-unnecessary-type-assertion": "error",
  "@typescript-eslint/switch-exhaustiveness-check": "error",
  // A reason passed on as it came (a signal's reason, a caught failure) is not ours to wrap; literals are still caught.
  "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingAny: true, allowThrowingUnknown: true }],
  "@typescript-eslint/only-throw-error": "error",
  // Async functions without an await implement promise-returning interfaces (stores, queues, fakes) and turn a
  // synchronous throw into a rejection; a promise left unawaited is no-floating-promises' to find.
  "@typescript-eslint/require-await": "off",
  // Services are objects of closures, never classes: a method-shorthand signature in an interface has no `this`.
  "@typescript-eslint/unbound-method": "off",
};

export default defineConfig(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  {
    files: ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // One program for the whole tsconfig: faster here than the project service, which builds its own.
        project: "./tsconfig.json",
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      // A disable comment that no longer silences anything goes, rather than hiding the next real problem.
      reportUnusedDisableDirectives: "error",
    },
    rules: typeAwareRules,
  },
  {
    // The web console: browser code and its Vite config, one program (console/tsconfig.json).
    files: ["console/**/*.{ts,tsx}"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: "./console/tsconfig.json",
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...typeAwareRules,
      // Vitest's test() and describe() hand their promise to the runner, as node:test's do.
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "vitest", name: ["test", "describe", "it"] }] },
      ],
    },
  },
  {
    // The console's build scripts: plain Node.js modules (no type information to lint with).
    files: ["console/scripts/**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
);
