// Finance's day through the console: an approved supplier-defect claim appears on the
// recovery worklist, is drafted into a recovery claim, submitted, accepted by the
// supplier (after a refused partial amount is shown beside its field), paid by a credit
// memo, and the reconciliation balances; a write-off listed below its form and on the
// write-offs screen; a dealer may not open the finance pages.
import { expect, test, type Page } from "@playwright/test";
import { asUser, openRecoveryLine, uniqueSerial } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

const euros = (amount: string) => new Intl.NumberFormat("en", { style: "currency", currency: "EUR" }).format(Number(amount));

/** The value a claim page's figures list gives for `name`. */
const figure = (page: Page, name: string) => page.locator(".facts dt", { hasText: new RegExp(`^${name}$`) }).locator("+ dd");

/** Counts the POST requests whose path ends with `suffix`, from now on. */
function countPosts(page: Page, suffix: string): () => number {
  let count = 0;
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname.endsWith(suffix)) count += 1;
  });
  return () => count;
}

test("finance drafts a recovery claim, records the supplier's acceptance and its credit memo, and the reconciliation balances", async ({
  page,
  browser,
}) => {
  const line = await openRecoveryLine(browser);
  const amount = line.amount!;
  await inEnglish(page);
  await signIn(page, "finance", "/finance/worklist");

  // The worklist: the line under its supplier, with the days left in the agreement's window.
  await expect(page.getByRole("heading", { name: "Recovery worklist", level: 1 })).toBeVisible();
  const pick = page.getByRole("checkbox", { name: `Select ${line.claim_number}`, exact: true });
  const group = page.locator("section.group", { has: pick });
  await expect(group.getByRole("heading", { level: 2 })).toContainText("VALEO · EUR");
  const row = group.getByRole("row", { name: new RegExp(line.claim_number) });
  await expect(row).toContainText(euros(amount));
  // Days left until the last day the service gives for the line's window.
  expect(line.claim_window_closes_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  const now = new Date();
  const todayUtc = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const left = Math.round((Date.parse(`${line.claim_window_closes_on}T00:00:00Z`) - todayUtc) / 86_400_000);
  expect(left).toBeGreaterThan(1);
  await expect(row).toContainText(`${new Intl.NumberFormat("en").format(left)} days left`);
  await expect(row).toContainText(new Date(`${line.claim_window_closes_on}T00:00:00Z`).getUTCFullYear().toString());
  await expectAccessible(page);
  await screenshot(page, "finance-worklist");

  // Draft from the selected line; a double click sends one request.
  const drafts = countPosts(page, "/recovery-claims");
  const submits = countPosts(page, "/submit");
  const answers = countPosts(page, "/responses");
  const memos = countPosts(page, "/credit-memos");
  await pick.check();
  await group.getByRole("button", { name: "Draft a recovery claim (1 selected)" }).dblclick();
  await expect(page).toHaveURL(/\/finance\/claims\/[0-9a-f-]{36}$/);
  const title = page.getByRole("heading", { level: 1 });
  await expect(title).toContainText("Draft");
  await expect(page.getByRole("row", { name: new RegExp(line.claim_number) })).toBeVisible();
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect(drafts()).toBe(1);
  await expectAccessible(page);

  await page.getByRole("button", { name: "Submit to the supplier" }).dblclick();
  await expect(title).toContainText("Submitted");
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect(submits()).toBe(1);
  await expect(figure(page, "Claimed")).toHaveText(euros(amount));

  // A partial amount above the claimed one is refused, beside the amount it names.
  const answer = page.getByLabel(`Supplier's answer on ${line.claim_number}`);
  await answer.selectOption("partially_accepted");
  const partial = page.getByLabel(`Accepted amount on ${line.claim_number}`);
  await partial.fill((Number(amount) + 100).toFixed(2));
  await page.getByRole("button", { name: "Record the answers (1)" }).click();
  await expect(partial).toHaveAttribute("aria-invalid", "true");
  const message = page.locator(`#${await partial.getAttribute("aria-describedby")}`);
  await expect(message).toBeVisible();
  await expect(message).not.toBeEmpty();

  await answer.selectOption("accepted");
  await page.getByRole("button", { name: "Record the answers (1)" }).dblclick();
  await expect(title).toContainText("Answered");
  expect(answers()).toBe(2); // the refused partial amount, then the acceptance once
  await expect(figure(page, "Accepted")).toHaveText(euros(amount));
  await expect(figure(page, "Outstanding")).toHaveText(euros(amount));
  await expectAccessible(page);
  await screenshot(page, "finance-recovery-claim");

  // The supplier's credit memo for the accepted amount, from the claim's page.
  await page.getByRole("link", { name: "Record the supplier's credit memo for this claim" }).click();
  await expect(page.getByLabel("Supplier", { exact: true }).first()).toHaveValue("VALEO");
  expect(Number(await page.getByLabel("Amount", { exact: true }).inputValue())).toBe(Number(amount));
  const reference = uniqueSerial("CM");
  await page.getByLabel("Memo number").fill(reference);
  await page.getByRole("button", { name: "Record", exact: true }).dblclick();
  await expect(page.getByText(`Recorded: VALEO ${reference}`)).toBeVisible();
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect(memos()).toBe(1);
  await expect(page.getByRole("row", { name: new RegExp(reference) })).toHaveCount(1);
  await expect(page.getByRole("row", { name: new RegExp(reference) })).toContainText(euros(amount));
  await expectAccessible(page);
  await screenshot(page, "finance-credit-memos");

  // The claim is paid in full, and the supplier's reconciliation balances.
  await page.getByRole("link", { name: /^RC-\d+$/ }).click();
  await expect(title).toContainText("Settled");
  await expect(figure(page, "Credited")).toHaveText(euros(amount));
  await expect(figure(page, "Outstanding")).toHaveText(euros("0"));

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reconciliation" }).click();
  await page.getByRole("textbox", { name: "Supplier" }).fill("VALEO");
  await page.getByRole("button", { name: "Show" }).click();
  const valeo = page
    .getByRole("region", { name: "Reconciliation", exact: true })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name: "VALEO", exact: true }) });
  await expect(valeo).toContainText("Yes");
  // The recovery rate as the locale writes a percentage (en: "100%", no space).
  await expect(valeo).toContainText(/\d%/);
  const csv = page.getByRole("link", { name: "Download Reconciliation as CSV" });
  const response = await page.request.get((await csv.getAttribute("href"))!);
  expect(response.ok()).toBeTruthy();
  expect(await response.text()).toContain("VALEO");
  await expect(page.getByRole("region", { name: "Aging of outstanding amounts" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "finance-reconciliation");
  // At tablet width the page does not scroll sideways: the wide report tables scroll inside.
  await page.setViewportSize({ width: 768, height: 1024 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
});

test("the recovery claims list filters by status; a line removed from a draft leaves nothing to submit", async ({ page, browser }) => {
  const line = await openRecoveryLine(browser);
  const finance = await asUser(browser, "finance");
  const draft = await finance
    .post<{ number: string }>("recovery", "/recovery-claims", { line_ids: [line.id] })
    .finally(() => finance.close());
  await inEnglish(page);
  await signIn(page, "finance", "/finance/claims");
  await expect(page.getByRole("heading", { name: "Recovery claims", level: 1 })).toBeVisible();
  const link = page.getByRole("link", { name: draft.number, exact: true });
  await page.getByLabel("Status").selectOption("settled");
  await expect(page.getByText(/No recovery claims\.|RC-/).first()).toBeVisible();
  await expect(link).toHaveCount(0);
  await page.getByLabel("Status").selectOption("draft");
  await expect(link).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "finance-recovery-claims");

  await link.click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Recovery claim ${draft.number}`);
  await page.getByRole("button", { name: `Remove ${line.claim_number} from the draft` }).click();
  await expect(page.getByRole("row", { name: new RegExp(line.claim_number) })).toHaveCount(1); // back among the open lines to add
  await expect(page.getByRole("button", { name: "Submit to the supplier" })).toBeDisabled();
  await expect(page.getByRole("checkbox", { name: `Select ${line.claim_number}`, exact: true })).toBeVisible();
});

test("a write-off is listed below the claim's form and on the write-offs screen, by supplier and period", async ({ page, browser }) => {
  const line = await openRecoveryLine(browser);
  const finance = await asUser(browser, "finance");
  const claim = await (async () => {
    const draft = await finance.post<{ id: string; number: string }>("recovery", "/recovery-claims", { line_ids: [line.id] });
    await finance.post("recovery", `/recovery-claims/${draft.id}/submit`, {});
    await finance.post("recovery", `/recovery-claims/${draft.id}/responses`, { responses: [{ line_id: line.id, outcome: "accepted" }] });
    return draft;
  })().finally(() => finance.close());

  await inEnglish(page);
  await signIn(page, "finance", `/finance/claims/${claim.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Answered");
  const ofClaim = page.getByRole("region", { name: "Write-offs of this claim" });
  await expect(ofClaim.getByText("No write-offs.")).toBeVisible();
  const reason = uniqueSerial("goodwill");
  await page.getByLabel("Amount (all outstanding when empty)").fill("1.00");
  await page.getByLabel("Reason", { exact: true }).fill(reason);
  await page.getByRole("button", { name: "Write off", exact: true }).click();
  await expect(figure(page, "Written off")).toHaveText(euros("1"));
  const below = ofClaim.getByRole("row").filter({ hasText: reason });
  await expect(below).toContainText(euros("1"));
  await expect(below).toContainText(claim.number);
  await expectAccessible(page);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Write-offs" }).click();
  await expect(page.getByRole("heading", { name: "Write-offs", level: 1 })).toBeVisible();
  const listed = page.getByRole("row").filter({ hasText: reason });
  await expect(listed).toContainText("VALEO");
  await expect(listed.getByRole("link", { name: claim.number })).toBeVisible();
  await page.getByRole("textbox", { name: "Supplier" }).fill("BOSCH");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(listed).toHaveCount(0);
  const today = new Date().toISOString().slice(0, 10);
  await page.getByRole("textbox", { name: "Supplier" }).fill("VALEO");
  await page.getByLabel("Written off from").fill(today);
  await page.getByLabel("Written off to").fill(today);
  await page.getByRole("button", { name: "Show" }).click();
  await expect(listed).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "finance-write-offs");
  // A period the service refuses: its message beside the field it names.
  await page.getByLabel("Written off to").fill("2020-01-01");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.locator("#report-to")).toHaveText("must not be before from");
  await expect(page.getByLabel("Written off to")).toHaveAttribute("aria-invalid", "true");
});

test("a dealer opening the finance pages is told they are not allowed", async ({ page }) => {
  await inEnglish(page);
  await signIn(page, "dealer-d001");
  for (const path of ["/finance/worklist", "/finance/claims", "/finance/credit-memos", "/finance/write-offs", "/finance/reports"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    await expect(page.getByText("This page is not for the Dealer role.")).toBeVisible();
    await expect(page.getByRole("heading", { name: /Recovery|Credit memos|Write-offs|Reconciliation/ })).toHaveCount(0);
  }
  await expectAccessible(page);
});
