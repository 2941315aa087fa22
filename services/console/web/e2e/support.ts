// What every browser test does: sign in through the development provider's form,
// check a page's accessibility, keep a screenshot of a main screen.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { join } from "node:path";

export const PASSWORD = "aftersales-dev";

/** English pages for stable assertions, unless a test chooses otherwise. */
export async function inEnglish(page: Page): Promise<void> {
  await page.addInitScript(() => {
    if (!localStorage.getItem("aftersales.console.language")) {
      localStorage.setItem("aftersales.console.language", "en");
    }
  });
}

/** From the console's sign-in page through the provider's form and back. */
export async function signIn(page: Page, username: string, path = "/"): Promise<void> {
  await page.goto(path);
  await page.getByRole("button", { name: /Sign in|登录/ }).click();
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('button[type="submit"]').click();
  await expect(page.getByRole("button", { name: /Sign out|退出/ })).toBeVisible();
}

/** No WCAG 2 A/AA violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const found = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(found).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
