// Inspectors' approval limits: the quality lead sets one (an amount the service refuses
// named beside its field), sees it listed, removes it; the admin keeps them too; an
// inspector may not. A made-up inspector, so the demo inspector's limit stays the default.
import { expect, test } from "@playwright/test";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

const INSPECTOR = `inspector-${Date.now().toString(36)}`;

test("the quality lead sets an inspector's own limit and removes it", async ({ page }) => {
  await inEnglish(page);
  await signIn(page, "quality-lead", "/quality");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approval limits" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Inspectors' approval limits" })).toBeVisible();
  await expect(page.getByText("default approval limit is 1,000")).toBeVisible();

  await page.getByLabel("Inspector (user id)").fill(INSPECTOR);
  await page.getByLabel("Approval limit", { exact: true }).fill("12.345");
  await page.getByRole("button", { name: "Save limit" }).click();
  await expect(page.locator("#limit-amount-error")).toBeVisible();
  await expect(page.getByLabel("Approval limit", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page);

  await page.getByLabel("Approval limit", { exact: true }).fill("2500.00");
  await page.getByRole("button", { name: "Save limit" }).click();
  await expect(page.getByRole("status").filter({ hasText: INSPECTOR })).toHaveText(`${INSPECTOR} now decides up to 2,500.`);
  const row = page.getByRole("row", { name: new RegExp(INSPECTOR) });
  await expect(row).toContainText("2,500");
  await expect(row).toContainText("quality-lead");
  await expectAccessible(page);
  await screenshot(page, "quality-lead-approval-limits");

  await row.getByRole("button", { name: `Remove the limit of ${INSPECTOR}` }).click();
  await expect(page.getByRole("status").filter({ hasText: INSPECTOR })).toHaveText(`${INSPECTOR} decides within the default limit again.`);
  await expect(page.getByRole("row", { name: new RegExp(INSPECTOR) })).toHaveCount(0);
});

test("the admin keeps approval limits too; an inspector may not", async ({ browser, page }) => {
  await inEnglish(page);
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approval limits" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Inspectors' approval limits" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save limit" })).toBeVisible();
  await expectAccessible(page);

  const inspector = await (await browser.newContext()).newPage();
  await inEnglish(inspector);
  await signIn(inspector, "quality", "/quality/approval-limits");
  await expect(inspector.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await inspector.context().close();
});
