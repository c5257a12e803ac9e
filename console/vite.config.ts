/**
 * Builds the web console into dist/console (served by the gateway at /console/) and runs its unit tests.
 * The root is this folder (index.html lives here); tests run from the repository root so their paths read
 * console/src/...
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const consoleRoot = fileURLToPath(new URL(".", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root: consoleRoot,
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "../dist/console",
    emptyOutDir: true,
    // checkBundle.mjs reads the manifest to weigh the entry chunk and what it imports statically.
    manifest: true,
    sourcemap: false,
  },
  test: {
    root: repositoryRoot,
    environment: "jsdom",
    include: ["console/src/**/*.test.tsx"],
    setupFiles: ["console/src/test/setup.ts"],
    coverage: {
      provider: "v8",
      include: ["console/src/**/*.{ts,tsx}"],
      exclude: ["console/src/**/*.test.tsx", "console/src/test/**"],
      reporter: ["text-summary"],
      reportsDirectory: "coverage/console",
      thresholds: { lines: 85 },
    },
  },
});
