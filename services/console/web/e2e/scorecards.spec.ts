// Dealer scorecards: the quality lead reads every dealer's month (a claim rejected at
// submission counted), narrows to one dealer with its CSV, sees "—" for months with
// nothing to measure and the service's refusals beside the fields; a dealer sees only
// its own scorecard, from its own navigation; the admin opens them from theirs.
import { expect, test, type Page } from "@playwright/test";
import { asUser, daysAgo, uniqueSerial, type Claim } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

const MONTH = new Date().toISOString().slice(0, 7);

/** Files a claim as D001 for a unit in service for six years: out of warranty, it is
 *  rejected (so decided) at submission. */
async function rejectedClaim(browser: Parameters<typeof asUser>[0]): Promise<Claim> {
  const dealer = await asUser(browser, "dealer-d001");
  try {
    const serial = uniqueSerial("OLD");
    await dealer.post("inspection", "/units", {
      serial,
      model: "Demo truck",
      in_service_date: daysAgo(6 * 365),
      usage_at_sale: 10,
      usage_unit: "km",
    });
    return await dealer.post<Claim>("inspection", "/claims", {
      unit_serial: serial,
      failure_date: daysAgo(7),
      repair_date: daysAgo(6),
      usage_at_failure: 20_000,
      complaint: "Battery warning light on",
      cause: "Alternator does not charge",
      correction: "Alternator replaced",
      causal_part_number: "AL-3001",
      parts: [{ part_number: "AL-3001", qty: 1 }],
      labor: [{ operation_code: "ALT-RR", hours: "1.50" }],
    });
  } finally {
    await dealer.close();
  }
}

/** The dealer codes heading the table's rows. */
async function dealersShown(page: Page): Promise<string[]> {
  return page.locator("table.scorecards tbody th[scope=row]").allTextContents();
}

test("the quality lead reads every dealer's scorecard, one dealer's with CSV, and months without data", async ({ browser, page }) => {
  const claim = await rejectedClaim(browser);
  expect(claim.status).toBe("rejected");

  await inEnglish(page);
  await signIn(page, "quality-lead", "/quality");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dealer scorecards" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Dealer scorecards" })).toBeVisible();
  // The last three months by default.
  await expect(page.getByLabel("To month")).toHaveValue(MONTH);
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "D001" }) }).filter({ hasText: MONTH });
  await expect(row).toBeVisible();
  const cells = row.getByRole("cell");
  // Month, then decided, rejected, rejection rate: the claim above is one of those decided and rejected.
  expect(Number(await cells.nth(1).innerText())).toBeGreaterThanOrEqual(1);
  expect(Number(await cells.nth(2).innerText())).toBeGreaterThanOrEqual(1);
  await expect(cells.nth(3)).toHaveText(/^\d+(\.\d)?%$/);
  for (const code of ["D001", "D002", "D003"]) expect(await dealersShown(page)).toContain(code);
  await expectAccessible(page);
  await screenshot(page, "quality-dealer-scorecards");

  // One dealer: only its rows, and the CSV of the same.
  await page.getByLabel("Dealer", { exact: true }).fill("d001");
  await page.getByRole("button", { name: "Show" }).click();
  await expect.poll(async () => new Set(await dealersShown(page))).toEqual(new Set(["D001"]));
  const csv = page.getByRole("link", { name: / as CSV$/ });
  const href = (await csv.getAttribute("href"))!;
  expect(href).toContain("format=csv");
  expect(href).toContain("dealer=D001");
  const answer = await page.request.get(href);
  expect(answer.ok()).toBeTruthy();
  const text = await answer.text();
  expect(text).toContain(`D001,${MONTH}`);
  expect(text).not.toContain("D002");

  // A month long past: nothing to measure, so every rate is "—" (read as "no data").
  await page.getByLabel("From month").fill("2020-01");
  await page.getByLabel("To month").fill("2020-01");
  await page.getByRole("button", { name: "Show" }).click();
  const empty = page.getByRole("row").filter({ hasText: "2020-01" });
  await expect(empty).toHaveCount(1);
  await expect(empty.getByRole("cell").nth(3)).toHaveText("—no data");
  // Rejection rate, return compliance, fill rate by request and by quantity, the two
  // cycle times and campaign completion.
  await expect(empty.locator('span[aria-hidden="true"]')).toHaveCount(7);
  await expectAccessible(page);

  // Periods and dealers the service refuses: the message beside the field it names.
  await page.getByLabel("From month").fill("2024-05");
  await page.getByLabel("To month").fill("2024-03");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.locator("#scorecards-to-error")).toHaveText("must not be before from");
  await expect(page.getByLabel("To month")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("To month").fill("2024-06");
  await page.getByLabel("Dealer", { exact: true }).fill("D999");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.locator("#scorecards-dealer-error")).toHaveText("There is no dealer D999.");
  await expect(page.getByLabel("Dealer", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page);
});

test("a dealer sees only its own scorecard; the admin reads every dealer's from the admin area", async ({ browser, page }) => {
  await rejectedClaim(browser);
  await inEnglish(page);
  await signIn(page, "dealer-d002");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My scorecard" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My scorecard" })).toBeVisible();
  await expect(page.getByLabel("Dealer", { exact: true })).toHaveCount(0);
  await expect(page.getByRole("rowheader").first()).toBeVisible();
  expect(new Set(await dealersShown(page))).toEqual(new Set(["D002"]));
  // The CSV is the dealer's own too: the service narrows it, whatever the link says.
  const href = (await page.getByRole("link", { name: / as CSV$/ }).getAttribute("href"))!;
  const csv = await (await page.request.get(`${href}&dealer=D001`)).text();
  expect(csv).toContain("D002");
  expect(csv).not.toContain("D001");
  await expectAccessible(page);
  await screenshot(page, "dealer-scorecard");
  // The staff's page is not a dealer's.
  await page.goto("/quality/dealer-scorecards");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();

  const admin = await (await browser.newContext()).newPage();
  await inEnglish(admin);
  await signIn(admin, "admin");
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dealer scorecards" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Dealer scorecards" })).toBeVisible();
  const row = admin.getByRole("row").filter({ has: admin.getByRole("rowheader", { name: "D001" }) }).filter({ hasText: MONTH });
  await expect(row).toBeVisible();
  await expectAccessible(admin);
  await admin.context().close();
});
