/** Before each console test file: what jsdom lacks, and a clean page and URL after every test. */
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// Recharts measures its container with ResizeObserver, which jsdom does not implement.
if (typeof globalThis.ResizeObserver === "undefined") {
  globalThis.ResizeObserver = class {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  };
}

afterEach(() => {
  cleanup();
  window.history.replaceState(null, "", "/console/");
});
