/**
 * How the browser tests start Chromium: Debian's build (package `chromium`, which .ci/run installs) unless
 * CHROMIUM_PATH names another, headless, without a sandbox (tests run as root in containers), and with every
 * background connection off: the machines these run on reach no outside host, and Chromium's own update,
 * sync and safe-browsing traffic would only fail there.
 */
import type { LaunchOptions } from "playwright-core";

export function chromiumLaunchOptions(): LaunchOptions {
  return {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  };
}
