// An entity's history where the console shows the entity (docs/audit.md): the dealer
// cancels an order with a reason and reads who placed and who cancelled it; a claim
// above the approval limit shows the dealer who filed it, the inspector who received
// and inspected its part and the lead who approved it, to quality and (in Chinese) to
// the dealer; an administrator pages through a purchase order's history by keyboard,
// and warehouse staff, who may not read the audit trail, see no history at all.
import { expect, test, type Browser, type Locator, type Page } from "@playwright/test";
import type { components as Catalog } from "../src/api/schema/catalog";
import type { components as Orders } from "../src/api/schema/orders";
import { asUser, fileClaim, inspect } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

type Order = Orders["schemas"]["OrderView"];
type PurchaseOrder = Catalog["schemas"]["PurchaseOrderOut"];

/** The calendar date `days` after today (UTC), as the services read dates. */
function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A page of a context of its own (axe needs one), in `language`. */
async function pageIn(browser: Browser, language: "en" | "zh-CN"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  if (language === "en") await inEnglish(page);
  else await page.addInitScript(() => localStorage.setItem("aftersales.console.language", "zh-CN"));
  return page;
}

/** The history's row for `what` (the action in words). */
function entry(history: Locator, what: string): Locator {
  return history.getByRole("row").filter({ has: history.page().getByRole("cell", { name: what, exact: true }) });
}

/** The actions of the history's rows, top (newest) to bottom. */
async function actions(history: Locator): Promise<string[]> {
  return history.locator("tbody tr td:nth-child(3)").allInnerTexts();
}

test("a dealer cancels an order with a reason and reads who placed and who cancelled it", async ({ browser }) => {
  const dealer = await asUser(browser, "dealer-d001");
  const order = await dealer
    .post<Order>("orders", "/orders", { priority: "stock", lines: [{ part_number: "AL-3001", qty: 1 }] })
    .finally(() => dealer.close());

  const page = await pageIn(browser, "en");
  await signIn(page, "dealer-d001", `/orders/${order.id}`);
  const title = page.getByRole("heading", { level: 1 });
  // Catalog's allocation arrives as an event; the page looks again until it has.
  await expect(title).toContainText("Reserved");
  const history = page.getByRole("region", { name: "History" });
  await expect(entry(history, "Order placed")).toContainText("dealer-d001 (Dealer · D001)");
  await expect(entry(history, "Stock allocated")).toContainText("Catalog event");
  await expect(entry(history, "Stock allocated")).toContainText("status: submitted → reserved");

  // By keyboard: the reason, then Enter; the confirmation accepted.
  const reason = `ordered the wrong part ${Date.now()}`;
  page.once("dialog", (dialog) => void dialog.accept());
  const field = page.getByLabel("Reason for cancelling (optional)");
  await field.fill(reason);
  await field.press("Enter");
  await expect(title).toContainText(/Cancellation requested|Cancelled/);
  const cancelled = entry(history, "Order cancelled");
  await expect(cancelled).toContainText("dealer-d001 (Dealer · D001)");
  await expect(cancelled).toContainText(reason);
  await expect(cancelled).toContainText("status: reserved → cancel_requested");
  // A creation's fields come from nothing: shown as a dash.
  await expect(entry(history, "Order placed")).toContainText(`number: — → ${order.number}`);
  // Newest first.
  const shown = await actions(history);
  expect(shown.indexOf("Order cancelled")).toBeGreaterThanOrEqual(0);
  expect(shown.indexOf("Order cancelled")).toBeLessThan(shown.indexOf("Order placed"));
  expect(shown.at(-1)).toBe("Order placed");
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expectAccessible(page);
  await screenshot(page, "dealer-order-history");
  await page.context().close();
});

test("a claim's history shows who filed, received, inspected and approved it, to quality and to the dealer", async ({ browser }) => {
  const dealer = await asUser(browser, "dealer-d001");
  const claim = await fileClaim(dealer, { qty: 4 }).finally(() => dealer.close());
  expect(claim.above_approval_limit).toBe(true);
  const quality = await asUser(browser, "quality");
  await inspect(quality, claim.id).finally(() => quality.close());

  // The lead approves on the claim page: the history reads again with the decision.
  const lead = await pageIn(browser, "en");
  await signIn(lead, "quality-lead", `/quality/claims/${claim.id}`);
  await expect(lead.getByRole("heading", { level: 1 })).toContainText("Under inspection");
  const history = lead.getByRole("region", { name: "History" });
  await expect(entry(history, "Part inspected")).toBeVisible();
  await expect(entry(history, "Claim approved")).toHaveCount(0);
  await lead.getByRole("button", { name: "Decide" }).click();
  await expect(lead.getByRole("heading", { level: 1 })).toContainText("Approved");
  await expect(entry(history, "Claim approved")).toContainText("quality-lead (Quality lead)");
  await expect(entry(history, "Claim approved")).toContainText("status: under_inspection → approved");
  await expect(entry(history, "Part inspected")).toContainText("quality (Quality)");
  await expect(entry(history, "Part inspected")).toContainText("cause_code: — → supplier_defect");
  await expect(entry(history, "Old part received")).toContainText("quality (Quality)");
  await expect(entry(history, "Claim submitted")).toContainText("dealer-d001 (Dealer · D001)");
  expect(await actions(history)).toEqual(["Claim approved", "Part inspected", "Old part received", "Claim submitted"]);
  await expectAccessible(lead);
  await screenshot(lead, "quality-claim-history");
  await lead.context().close();

  // The dealer reads its own claim's history, in Chinese.
  const own = await pageIn(browser, "zh-CN");
  await signIn(own, "dealer-d001", `/claims/${claim.id}`);
  const ownHistory = own.getByRole("region", { name: "历史记录" });
  await expect(ownHistory.getByRole("columnheader", { name: "操作人" })).toBeVisible();
  await expect(entry(ownHistory, "索赔已批准")).toContainText("quality-lead（质量主管）");
  await expect(entry(ownHistory, "索赔单已提交")).toContainText("dealer-d001（经销商 · D001）");
  expect(await actions(ownHistory)).toEqual(["索赔已批准", "旧件已鉴定", "旧件已收到", "索赔单已提交"]);
  await expectAccessible(own);
  await own.context().close();
});

test("an administrator pages through a purchase order's history by keyboard; warehouse staff see none", async ({ browser }) => {
  // A purchase order with more records than one page: drafted, sent, then its line's
  // expected date moved 21 times.
  const warehouse = await asUser(browser, "warehouse");
  let po: PurchaseOrder;
  const moves = 21;
  try {
    po = await warehouse.post<PurchaseOrder>("catalog", "/purchase-orders", {
      supplier: "VALEO",
      warehouse: "WH2",
      currency: "EUR",
      lines: [{ part_number: "WP-4001", qty: 1, unit_price: "80.00", expected_date: inDays(30) }],
    });
    await warehouse.post("catalog", `/purchase-orders/${po.id}/send`, {});
    for (let i = 1; i <= moves; i += 1) {
      await warehouse.post("catalog", `/purchase-orders/${po.id}/lines/1/reschedule`, { expected_date: inDays(30 + i) });
    }
  } finally {
    await warehouse.close();
  }

  const admin = await pageIn(browser, "en");
  await signIn(admin, "admin", `/warehouse/purchase-orders/${po.id}`);
  await expect(admin.getByRole("heading", { level: 1 })).toHaveText(`Purchase order ${po.number} Sent`);
  const history = admin.getByRole("region", { name: "History" });
  const rows = history.locator("tbody tr");
  await expect(rows).toHaveCount(20);
  await expect(rows.first()).toContainText("Expected date moved");
  await expect(rows.first()).toContainText(`line 1.expected_date: ${inDays(30 + moves - 1)} → ${inDays(30 + moves)}`);
  await expect(rows.first()).toContainText("warehouse (Warehouse)");
  const more = history.getByRole("button", { name: "Show more" });
  await more.focus();
  await admin.keyboard.press("Enter");
  await expect(rows).toHaveCount(moves + 2);
  await expect(more).toHaveCount(0);
  await expect(rows.last()).toContainText("Purchase order drafted");
  await expect(rows.last()).toContainText(`number: — → ${po.number}`);
  await expect(entry(history, "Purchase order sent")).toContainText("status: draft → sent");
  await expectAccessible(admin);
  await admin.context().close();

  // Warehouse staff may not read the audit trail: no history, and nothing refused.
  const staff = await pageIn(browser, "en");
  await signIn(staff, "warehouse", `/warehouse/purchase-orders/${po.id}`);
  await expect(staff.getByRole("heading", { level: 1 })).toHaveText(`Purchase order ${po.number} Sent`);
  await expect(staff.getByRole("table", { name: "Lines" })).toContainText("WP-4001");
  await expect(staff.getByRole("heading", { name: "History" })).toHaveCount(0);
  await expect(staff.getByRole("alert")).toHaveCount(0);
  await staff.context().close();
});
