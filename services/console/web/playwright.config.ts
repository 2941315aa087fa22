// Browser tests against the real stack that `cargo xtask browser-test` starts (it sets
// CONSOLE_URL). Debian's chromium, never a downloaded browser.
import { defineConfig } from "@playwright/test";

const baseURL = process.env.CONSOLE_URL;
if (!baseURL) throw new Error("CONSOLE_URL is not set: run the browser tests through `cargo xtask browser-test`");

export default defineConfig({
  testDir: "e2e",
  outputDir: process.env.PLAYWRIGHT_OUTPUT_DIR ?? "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu"],
    },
  },
});
