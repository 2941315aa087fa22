// The warehouse's day beyond shipping: goods in by barcode scanner, an adjustment
// with its reason, a blind cycle count, a transfer from request to receipt, the
// part's ledger, and the work-queue reports with their CSV.
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

test.beforeEach(async ({ page }) => inEnglish(page));

async function stockOf(page: Page, warehouse: string, part: string) {
  const answer = await page.request.get(`/api/catalog/v1/stock/${warehouse}/${part}`);
  expect(answer.ok()).toBeTruthy();
  return (await answer.json()) as { on_hand: number; available: number };
}

test("goods in by scanner, an adjustment with its reason, then the part's ledger", async ({ page }) => {
  await signIn(page, "warehouse", "/warehouse/moves");
  const before = await stockOf(page, "WH2", "FL-5001");
  const receipt = page.getByRole("form", { name: "Receive goods" });
  await receipt.getByLabel("Warehouse").selectOption("WH2");
  // A keyboard-wedge scanner types the code and presses Enter: focus moves to the quantity.
  await receipt.getByLabel("Part number").pressSequentially("fl-5001");
  await receipt.getByLabel("Part number").press("Enter");
  await expect(receipt.getByLabel("Quantity")).toBeFocused();
  await page.keyboard.type("12");
  await receipt.getByLabel("Reference (delivery note, purchase order)").fill("DN-4711");
  await receipt.getByRole("button", { name: "Receive" }).dblclick();
  await expect(receipt.getByRole("status")).toContainText(`FL-5001 in WH2: ${before.on_hand + 12} on hand`);
  expect((await stockOf(page, "WH2", "FL-5001")).on_hand).toBe(before.on_hand + 12);
  await expectAccessible(page);
  await screenshot(page, "warehouse-goods-in");

  const adjust = page.getByRole("form", { name: "Adjust stock" });
  await adjust.getByLabel("Warehouse").selectOption("WH2");
  await adjust.getByLabel("Part number").fill("FL-5001");
  await adjust.getByLabel("Change (+ or −)").fill("0");
  await adjust.getByRole("button", { name: "Adjust" }).click();
  // The service's message for the field stands beside it.
  await expect(adjust.locator("#delta-error")).toBeVisible();
  await adjust.getByLabel("Change (+ or −)").fill("-2");
  await adjust.getByLabel("Reason").selectOption("damaged");
  await adjust.getByRole("button", { name: "Adjust" }).click();
  await expect(adjust.getByRole("status")).toContainText(`${before.on_hand + 10} on hand`);

  await page.getByRole("link", { name: "Stock & ledger" }).click();
  // The moves page's two forms also have a warehouse field: wait for the ledger page.
  await expect(page).toHaveURL(/\/warehouse\/stock$/);
  await expect(page.getByRole("form", { name: "Receive goods" })).toHaveCount(0);
  await page.getByLabel("Warehouse").selectOption("WH2");
  await page.getByLabel("Part number").fill("FL-5001");
  await page.getByLabel("Part number").press("Enter");
  const ledger = page.getByRole("table");
  await expect(ledger.getByRole("row", { name: /Adjustment.*−2|Adjustment.*-2/ })).toBeVisible();
  await expect(ledger.getByRole("row", { name: /Receipt.*\+12.*DN-4711/ })).toBeVisible();
  await expect(ledger.getByRole("row", { name: /Adjustment/ })).toContainText("Damaged");
  await expectAccessible(page);
  await screenshot(page, "warehouse-ledger");
});

test("a blind cycle count books the variance", async ({ page }) => {
  await signIn(page, "warehouse", "/warehouse/count");
  await page.getByLabel("Warehouse").selectOption("WH1");
  const form = page.getByRole("form", { name: "Count of BD-2001" });
  const expected = (await stockOf(page, "WH1", "BD-2001")).on_hand;
  await form.getByLabel("Counted").fill(String(expected - 1));
  await form.getByRole("button", { name: "Record" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Counted" })).toContainText(`Counted ${expected - 1}, expected ${expected}: variance -1`);
  expect((await stockOf(page, "WH1", "BD-2001")).on_hand).toBe(expected - 1);
  await expectAccessible(page);
  await screenshot(page, "warehouse-count");
});

test("a transfer is requested, dispatched and received", async ({ page }) => {
  await signIn(page, "warehouse", "/warehouse/transfers");
  const from = await stockOf(page, "WH1", "WP-4001");
  const to = await stockOf(page, "WH2", "WP-4001");
  const form = page.getByRole("form", { name: "Request a transfer" });
  await form.getByLabel("From warehouse").selectOption("WH1");
  await form.getByLabel("To warehouse").selectOption("WH2");
  await form.getByLabel("Part number").fill("WP-4001");
  await form.getByLabel("Quantity").fill("3");
  await form.getByRole("button", { name: "Request" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Transfer of" })).toContainText("Transfer of 3 × WP-4001 requested");

  await page.getByLabel("Status").selectOption("requested");
  await page.getByRole("button", { name: "Dispatch WP-4001 WH1 → WH2" }).first().click();
  await page.getByLabel("Status").selectOption("in_transit");
  await page.getByRole("button", { name: "Receive WP-4001 WH1 → WH2" }).first().click();
  await expect.poll(async () => (await stockOf(page, "WH2", "WP-4001")).on_hand).toBe(to.on_hand + 3);
  expect((await stockOf(page, "WH1", "WP-4001")).on_hand).toBe(from.on_hand - 3);
  await page.getByLabel("Status").selectOption("received");
  await expect(page.getByRole("row", { name: /WH1\s+WH2\s+WP-4001\s+3\s+Received/ }).first()).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "warehouse-transfers");
});

test("the work queues show backorders and stock below its reorder point, with CSV", async ({ page }) => {
  await signIn(page, "warehouse", "/warehouse/reorder");
  await expect(page.getByRole("heading", { name: "Stock below reorder point" })).toBeVisible();
  await expect(page.getByText(/^As of|No stock is at or below/)).toBeVisible();
  await expectAccessible(page);
  const csv = await page.request.get((await page.getByRole("link", { name: / as CSV$/ }).getAttribute("href")) ?? "");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect(await csv.text()).toContain("part_number");

  await page.getByRole("link", { name: "Backorders" }).click();
  await expect(page.getByText(/^As of|No backorders/)).toBeVisible();
  await page.getByLabel("Warehouse").selectOption("WH2");
  await expect(page.getByRole("link", { name: / as CSV$/ })).toHaveAttribute("href", /warehouse=WH2/);
  await expectAccessible(page);
  await screenshot(page, "warehouse-backorders");
});

test("a dealer cannot open the warehouse's pages", async ({ page }) => {
  await signIn(page, "dealer-d002", "/warehouse/moves");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(page.getByRole("form", { name: "Receive goods" })).toHaveCount(0);
});
