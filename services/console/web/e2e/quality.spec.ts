// Quality's day in the browser: a claim's part received (scanner-style Enter), findings
// and a decision within the approval limit, then disposition; a claim above the limit
// refused to quality with the limit shown and approved by the quality lead from the
// approvals queue; the lead's top failing parts with CSV; a dealer kept out.
import { expect, test, type Locator, type Page } from "@playwright/test";
import { asUser, fileClaim, inspect, type Claim } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

async function claimFiled(browser: Parameters<typeof asUser>[0], options: Parameters<typeof fileClaim>[1] = {}) {
  const dealer = await asUser(browser, "dealer-d001");
  try {
    return await fileClaim(dealer, options);
  } finally {
    await dealer.close();
  }
}

async function status(page: Page, text: string) {
  await expect(page.getByRole("heading", { level: 1 })).toContainText(text);
}

/** The row of `queue` holding `text`, asking for more pages until it is there (a queue is
 *  oldest first, so a claim filed now is on its last page). */
async function queueRow(queue: Locator, text: string): Promise<Locator> {
  const row = queue.getByRole("row").filter({ hasText: text });
  const more = queue.getByRole("button", { name: "Show more" });
  await expect(row.or(more).first()).toBeVisible();
  while (!(await row.isVisible()) && (await more.isVisible())) {
    await more.click();
    await expect(row.or(more).first()).toBeVisible();
  }
  await expect(row).toBeVisible();
  return row;
}

/** Every page of `queue` shown. */
async function allPages(queue: Locator): Promise<void> {
  const more = queue.getByRole("button", { name: "Show more" });
  await expect(queue.getByRole("row").or(more).first()).toBeVisible();
  while (await more.isVisible()) {
    await more.click();
    await expect(queue.getByText("Loading")).toHaveCount(0);
  }
}

/** The claim numbers of `queue`'s rows, top to bottom. */
async function numbersIn(queue: Locator): Promise<string[]> {
  return queue.getByRole("row").getByRole("link").allTextContents();
}

test("quality receives the part, records findings, approves within the limit and disposes", async ({ browser, page }) => {
  const claim = await claimFiled(browser);
  const later = await claimFiled(browser);
  expect(claim.status).toBe("awaiting_part");

  await inEnglish(page);
  await signIn(page, "quality", "/quality");
  await expect(page.getByText("Oldest first")).toBeVisible();
  const awaiting = page.getByRole("region", { name: "Awaiting the old part" });
  await queueRow(awaiting, later.number);
  const row = await queueRow(awaiting, claim.number);
  // Oldest first: the claim filed first is above the one filed after it, and the ages
  // only fall down the queue.
  const numbers = await numbersIn(awaiting);
  expect(numbers.indexOf(claim.number)).toBeLessThan(numbers.indexOf(later.number));
  const ages = (await awaiting.locator("tbody tr td:nth-child(7)").allTextContents()).map((a) => Number(a.replace(/\D/g, "")));
  expect(ages).toEqual([...ages].sort((a, b) => b - a));
  await expect(row).toContainText("AL-3001 · VALEO");
  await expect(row).toContainText(new Date(claim.return_deadline!).getFullYear().toString());
  await expectAccessible(page);
  await screenshot(page, "quality-queues");

  await row.getByRole("link", { name: claim.number }).click();
  await status(page, "Awaiting part");
  await expect(page.getByRole("cell", { name: "ALT-RR" })).toBeVisible();
  await expectAccessible(page);

  // A code the service refuses: its message beside the warehouse field.
  const warehouse = page.getByLabel("Warehouse");
  await warehouse.fill("wh 1");
  await warehouse.press("Enter");
  await expect(page.locator("#receipt-warehouse-error")).toContainText("warehouse code must be");
  await expect(warehouse).toHaveAttribute("aria-invalid", "true");

  // The scanner types the code and Enter; a double click of the button sends one key.
  const keys: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes("/part-receipt")) keys.push(r.headers()["idempotency-key"] ?? "");
  });
  await warehouse.fill("WH1");
  await page.getByRole("button", { name: "Record receipt" }).dblclick();
  await status(page, "Part received");
  expect(keys.length).toBeGreaterThan(0);
  expect(new Set(keys).size).toBe(1);
  await expect(page.getByText("WH1 × 1")).toBeVisible();

  await expect(page.getByLabel("Responsible supplier")).toHaveValue("VALEO");
  await page.getByLabel("Failure mode").fill("No charging output");
  await page.getByLabel("Cause code").selectOption("supplier_defect");
  await page.getByRole("button", { name: "Save findings" }).click();
  await status(page, "Under inspection");

  await expect(page.getByText("Approval limit: €1,000.00")).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "quality-claim-decision");
  await page.getByRole("radio", { name: "Approve", exact: true }).check();
  await page.getByRole("button", { name: "Decide" }).click();
  await status(page, "Approved");

  await page.getByRole("radio", { name: "Return to supplier" }).check();
  await page.getByRole("button", { name: "Record disposition" }).click();
  await status(page, "Closed");
  await expect(page.getByText("Nothing left to do for quality")).toBeVisible();
});

test("a partial approval above the claimed amount is refused beside its field", async ({ browser, page }) => {
  const claim = await claimFiled(browser);
  const quality = await asUser(browser, "quality");
  await inspect(quality, claim.id).finally(() => quality.close());

  await inEnglish(page);
  await signIn(page, "quality", `/quality/claims/${claim.id}`);
  await status(page, "Under inspection");
  await page.getByRole("radio", { name: "Partially approve" }).check();
  await page.getByLabel(/Approved parts amount/).fill("9999.00");
  await page.getByRole("button", { name: "Decide" }).click();
  await expect(page.locator("#decision-parts-error")).toBeVisible();
  await expect(page.getByLabel(/Approved parts amount/)).toHaveAttribute("aria-invalid", "true");
  await status(page, "Under inspection");
});

test("above the limit quality is refused with the limit shown; the quality lead approves from the approvals queue", async ({
  browser,
}) => {
  const claim: Claim = await claimFiled(browser, { qty: 4 });
  expect(Number(claim.amounts.total)).toBeGreaterThan(1000);
  expect(claim.above_approval_limit).toBe(true);
  // One within the limit, under inspection too: not the lead's.
  const within: Claim = await claimFiled(browser);
  expect(within.above_approval_limit).toBe(false);
  const quality = await asUser(browser, "quality");
  await inspect(quality, claim.id);
  await inspect(quality, within.id).finally(() => quality.close());

  // Pages of their own contexts (two people; axe needs a page of browser.newContext()).
  const inspector = await (await browser.newContext()).newPage();
  await inEnglish(inspector);
  await signIn(inspector, "quality", `/quality/claims/${claim.id}`);
  await status(inspector, "Under inspection");
  await expect(inspector.getByRole("note").first()).toContainText("above your approval limit");
  await inspector.getByRole("button", { name: "Decide" }).click();
  await expect(inspector.getByRole("alert")).toContainText("1000.00");
  await expect(inspector.getByText("it is in the lead's approvals queue")).toBeVisible();
  await status(inspector, "Under inspection");
  await expectAccessible(inspector);
  await screenshot(inspector, "quality-above-limit");
  // The lead's queue is not the inspector's.
  await inspector.goto("/quality/approvals");
  await expect(inspector.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await inspector.context().close();

  // The lead works at tablet width.
  const lead = await (await browser.newContext({ viewport: { width: 768, height: 1024 } })).newPage();
  await inEnglish(lead);
  await signIn(lead, "quality-lead", "/quality");
  await lead.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals" }).click();
  await expect(lead.getByText("approval limit of 1,000")).toBeVisible();
  const queue = lead.getByRole("region", { name: "Claims above the approval limit" });
  await allPages(queue);
  const row = queue.getByRole("row").filter({ hasText: claim.number });
  await expect(row).toBeVisible();
  // The service filters the queue: every claim in it is above the limit, none within.
  const totals = await queue.locator("tbody tr td:nth-child(4)").allTextContents();
  expect(totals.length).toBeGreaterThan(0);
  for (const total of totals) expect(Number(total.replace(/[^\d.]/g, ""))).toBeGreaterThan(1000);
  await expect(queue.getByRole("link", { name: within.number })).toHaveCount(0);
  await expectAccessible(lead);
  await screenshot(lead, "quality-lead-approvals");
  await row.getByRole("link", { name: claim.number }).click();
  await status(lead, "Under inspection");
  await expect(lead.getByText("above your approval limit")).toHaveCount(0);
  await lead.getByRole("button", { name: "Decide" }).click();
  await status(lead, "Approved");
  await lead.goto("/quality/approvals");
  await expect(lead.getByRole("link", { name: claim.number })).toHaveCount(0);
  await lead.context().close();
});

test("the quality lead reads the top failing parts per supplier and month, with CSV", async ({ browser, page }) => {
  await claimFiled(browser, { part: "WP-4001", operation: "WP-RR", hours: "1.00" });
  await inEnglish(page);
  await signIn(page, "quality-lead", "/quality/top-failing-parts");
  const month = new Date().toISOString().slice(0, 7);
  const row = page.getByRole("row").filter({ hasText: month }).filter({ hasText: "WP-4001" });
  await expect(row).toContainText("VALEO");
  await expectAccessible(page);
  await screenshot(page, "quality-lead-top-failing-parts");

  const csv = page.getByRole("link", { name: / as CSV$/ });
  const href = await csv.getAttribute("href");
  expect(href).toContain("format=csv");
  const answer = await page.request.get(href!);
  expect(answer.ok()).toBeTruthy();
  expect(await answer.text()).toContain("WP-4001");

  // A period the service refuses: its message beside the field it names.
  await page.getByLabel("To", { exact: true }).fill("2020-01-01");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.locator("#top-to-error")).toHaveText("must not be before from");
  await expect(page.getByLabel("To", { exact: true })).toHaveAttribute("aria-invalid", "true");
});

test("a dealer opening the quality pages is told they are not for dealers", async ({ browser, page }) => {
  const claim = await claimFiled(browser);
  await inEnglish(page);
  await signIn(page, "dealer-d001");
  for (const path of ["/quality", `/quality/claims/${claim.id}`, "/quality/approvals", "/quality/top-failing-parts"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    await expect(page.getByText("This page is not for the Dealer role.")).toBeVisible();
  }
  await expectAccessible(page);
});
