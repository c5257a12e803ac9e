/** The console's entry: the browser's fetch, XMLHttpRequest, clock and clipboard behind the App's seams. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, type AppProps } from "./app/App";
import "./styles.css";

export function browserSeams(): AppProps {
  const clipboard = typeof navigator !== "undefined" && window.isSecureContext ? navigator.clipboard : undefined;
  return {
    fetch: (input, init) => window.fetch(input, init),
    createXhr: () => new XMLHttpRequest(),
    sleep: (ms) => new Promise((resolve) => window.setTimeout(resolve, ms)),
    now: () => performance.now(),
    copy: clipboard === undefined ? undefined : (text) => clipboard.writeText(text),
  };
}

const root = document.getElementById("root");
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <App {...browserSeams()} />
    </StrictMode>,
  );
}
