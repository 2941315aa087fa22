// The dealer's warranty screens: register a unit, preview a claim that fails a check
// (shown beside its field), correct it, submit it once, find it in My claims with the
// old part's return deadline; another dealer opening it by URL sees "not found".
import { expect, test, type Page } from "@playwright/test";
import { asUser, daysAgo, uniqueSerial, type Claim } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

async function fillClaim(page: Page, usage: string): Promise<void> {
  await page.getByLabel("Failure date").fill(daysAgo(7));
  await page.getByLabel("Repair date").fill(daysAgo(6));
  await page.getByLabel("Usage at failure").fill(usage);
  await page.getByLabel("Complaint").fill("Battery warning light on");
  await page.getByLabel("Cause", { exact: true }).fill("Alternator does not charge");
  await page.getByLabel("Correction").fill("Alternator replaced");
  await page.getByLabel("Causal part").fill("AL-3001");
  await page.getByLabel("Part number, line 1").fill("AL-3001");
  await page.getByLabel("Quantity, line 1").fill("1");
  await page.getByLabel("Operation, line 1").selectOption("ALT-RR");
  await page.getByLabel("Hours, line 1").fill("1.50");
}

test("a dealer registers a unit, previews, corrects and files a claim once", async ({ page, browser }) => {
  await inEnglish(page);
  await signIn(page, "dealer-d001", "/units");
  await expect(page.getByRole("heading", { name: "My units" })).toBeVisible();

  // Register a unit; a bad field is answered beside it first.
  const serial = uniqueSerial();
  await page.getByLabel("Serial number").fill(serial);
  await page.getByLabel("Model").fill("Demo truck");
  await page.getByLabel("In-service date").fill(daysAgo(365));
  await page.getByLabel("Usage at sale").fill("10");
  await expectAccessible(page);
  await screenshot(page, "dealer-units");
  await page.getByRole("button", { name: "Register unit" }).click();
  await expect(page.getByText(`Unit ${serial} is registered.`)).toBeVisible();

  // The wizard, with the unit chosen; usage over the policy's 150 000 km limit.
  await page.getByRole("status").getByRole("link", { name: "File a claim" }).click();
  await expect(page.getByRole("heading", { name: "New claim" })).toBeVisible();
  await expect(page.getByLabel("Unit", { exact: true })).toHaveValue(serial);
  await fillClaim(page, "200000");
  await page.getByRole("button", { name: "Preview price and checks" }).click();
  const usage = page.getByLabel("Usage at failure");
  await expect(usage).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#claim-usage-error")).toContainText("Usage limit exceeded");
  await expect(page.locator("#claim-usage-error")).toContainText("150000");
  await expect(page.getByRole("button", { name: "Submit anyway (it will be rejected)" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "dealer-claim-preview-failing");

  // Corrected: the old preview is stale until previewed again; then every check passes.
  await usage.fill("20000");
  await expect(page.getByText("The claim changed since the preview")).toBeVisible();
  await page.getByRole("button", { name: "Preview price and checks" }).click();
  await expect(page.getByText("Every check passes.")).toBeVisible();
  await expect(usage).not.toHaveAttribute("aria-invalid", "true");
  // 1 × 310.00 + min(1.50, 1.6) h × 85.00 = 310.00 + 127.50.
  const preview = page.getByRole("region", { name: "Preview" });
  await expect(preview.getByText("€437.50").first()).toBeVisible();
  await expect(preview.getByText("€127.50").first()).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "dealer-claim-preview");

  // A double click files one claim.
  await page.getByRole("button", { name: "Submit claim" }).dblclick();
  await page.waitForURL(/\/claims\/[0-9a-f-]{36}$/);
  const url = page.url();
  await expect(page.getByRole("heading", { name: /Claim WC-\d+/ })).toContainText("Awaiting old part");
  await expect(page.locator(".facts time")).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "dealer-claim");

  const dealer = await asUser(browser, "dealer-d001");
  const mine = await dealer.get<{ items: Claim[] }>("inspection", "/claims?limit=100");
  const filed = mine.items.filter((c) => c.unit_serial === serial);
  expect(filed).toHaveLength(1);
  await dealer.close();
  const claim = filed[0]!;
  expect(claim.return_deadline).toBeTruthy();

  // My claims: the claim with its status and return deadline.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My claims" }).click();
  const row = page.getByRole("row", { name: new RegExp(claim.number) });
  await expect(row).toContainText("Awaiting old part");
  await expect(row.locator("time")).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "dealer-claims");

  // Another dealer opening it by URL: not found.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await inEnglish(otherPage);
  await signIn(otherPage, "dealer-d002", new URL(url).pathname);
  await expect(otherPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(otherPage.getByText("There is no such claim among yours.")).toBeVisible();
  await expectAccessible(otherPage);
  await other.close();
});

test("a claim for another dealer's unit is answered beside the unit field", async ({ page, browser }) => {
  const d002 = await asUser(browser, "dealer-d002");
  const serial = uniqueSerial();
  await d002.post("inspection", "/units", {
    serial,
    model: "Demo truck",
    in_service_date: daysAgo(30),
    usage_at_sale: 0,
    usage_unit: "km",
  });
  await d002.close();
  await inEnglish(page);
  await signIn(page, "dealer-d001", `/claims/new?unit=${serial}`);
  await fillClaim(page, "1000");
  await page.getByRole("button", { name: "Preview price and checks" }).click();
  await expect(page.locator("#claim-unit-error")).toContainText("None of your units has this serial number.");
  await expect(page.getByLabel("Unit", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page);
});
