/**
 * The web console's first load on loopback, in Debian's Chromium: from navigation to interactive (the first
 * control a user needs is on screen and enabled) with a cold cache, for the sign-in page and, signed in, for the
 * usage page with its chart; and what the browser transferred (scripts, gzip on the wire). The gateway runs
 * with production settings in its own process, as in the other benchmarks.
 */
import { chromium, type Browser } from "playwright-core";
import { benchUsage, parseBenchArgs, type NumberFlag } from "./benchArgs.js";
import { markdownTable } from "./markdownTable.js";
import { percentile, sortedCopy } from "./percentiles.js";
import { runMain, runScenario } from "./runScenario.js";
import { startBenchGateway } from "./startBenchGateway.js";
import { startMock } from "./startMock.js";
import { chromiumLaunchOptions } from "../test/support/chromium.js";

const flags = {
  runs: { default: 10, min: 1, integer: true, help: "cold loads per page" },
} satisfies Record<string, NumberFlag>;

interface LoadSample {
  ms: number;
  scriptBytes: number;
  totalBytes: number;
}

interface PageCase {
  id: string;
  label: string;
  path: string;
  signedIn: boolean;
  /** What must be on screen and usable for the page to count as interactive. */
  ready: { role: "button" | "region"; name: string };
}

const cases: readonly PageCase[] = [
  { id: "sign-in", label: "sign-in page", path: "/console/", signedIn: false, ready: { role: "button", name: "Sign in" } },
  { id: "usage", label: "usage page, signed in (chart drawn)", path: "/console/usage", signedIn: true, ready: { role: "region", name: "Requests over time" } },
];

async function coldLoad(browser: Browser, origin: string, apiKey: string, page: PageCase): Promise<LoadSample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    if (page.signedIn) {
      const response = await context.request.post(`${origin}/api/v2/console/session`, { data: { apiKey } });
      if (!response.ok()) throw new Error(`console sign-in failed: ${response.status()}`);
    }
    const tab = await context.newPage();
    const started = performance.now();
    await tab.goto(`${origin}${page.path}`);
    const ready = tab.getByRole(page.ready.role, { name: page.ready.name });
    await ready.waitFor();
    if (page.ready.role === "button") await ready.isEnabled();
    else await ready.locator("svg").first().waitFor();
    const ms = performance.now() - started;
    // Evaluated in the page, as source: this project's own types have no DOM.
    const sizes = await tab.evaluate<Array<{ type: string; bytes: number }>>(
      'performance.getEntriesByType("resource").map((entry) => ({ type: entry.initiatorType, bytes: entry.transferSize }))',
    );
    const navigation = await tab.evaluate<number>('performance.getEntriesByType("navigation")[0]?.transferSize ?? 0');
    const scriptBytes = sizes.filter((entry) => entry.type === "script").reduce((sum, entry) => sum + entry.bytes, 0);
    return { ms, scriptBytes, totalBytes: navigation + sizes.reduce((sum, entry) => sum + entry.bytes, 0) };
  } finally {
    await context.close();
  }
}

runMain("console load benchmark", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, flags);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/consoleLoad.js [flags]", "Cold loads of console pages in Chromium (CHROMIUM_PATH, default /usr/bin/chromium).", flags)}\n`);
    return 0;
  }
  const command = ["node", "dist/bench/consoleLoad.js", ...argv].join(" ");
  return runScenario({ name: "console-load", command, outDir: args.outDir }, async ({ services, progress }) => {
    const mock = await startMock();
    services.push(mock);
    const bench = await startBenchGateway(mock.url);
    services.push(bench.gateway);
    const apiKey = (bench.target.headers.authorization ?? "").replace(/^Bearer /, "");
    // A few requests, so the usage chart has something to draw.
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${bench.target.origin}${bench.target.path}`, { method: "POST", headers: bench.target.headers, body: bench.target.plainBody });
      await response.arrayBuffer();
    }
    const browser = await chromium.launch(chromiumLaunchOptions());
    try {
      const rows: string[][] = [];
      const result: Record<string, unknown> = {};
      for (const page of cases) {
        progress(`${page.label}: ${args.numbers.runs} cold loads`);
        await coldLoad(browser, bench.target.origin, apiKey, page); // warms the gateway's file cache, not the browser's
        const samples: LoadSample[] = [];
        for (let i = 0; i < args.numbers.runs; i++) samples.push(await coldLoad(browser, bench.target.origin, apiKey, page));
        const times = sortedCopy(samples.map((sample) => sample.ms));
        const figures = {
          p50Ms: percentile(times, 50),
          p95Ms: percentile(times, 95),
          maxMs: percentile(times, 100),
          scriptKB: (samples[0]?.scriptBytes ?? 0) / 1024,
          totalKB: (samples[0]?.totalBytes ?? 0) / 1024,
        };
        result[page.id] = figures;
        rows.push([page.label, figures.p50Ms.toFixed(0), figures.p95Ms.toFixed(0), figures.maxMs.toFixed(0), figures.scriptKB.toFixed(1), figures.totalKB.toFixed(1)]);
      }
      const table = markdownTable(["page", "to interactive p50 ms", "p95 ms", "max ms", "scripts on the wire KB", "all on the wire KB"], rows);
      return { result: { runs: args.numbers.runs, pages: result }, text: table, markdown: table, failed: false };
    } finally {
      await browser.close();
    }
  });
});
