// Purchasing: replenishment suggestions drafted into a purchase order, sent, received
// in part by keyboard and the rest over what was ordered (refused without a reason,
// then kept with one); a hand-made purchase order whose wrong line is refused beside
// it, rescheduled, and refused where the user acts once it changed elsewhere; a
// backorder that learns its expected date; who may open the purchasing pages. Each
// test orders a part of its own (created here) or a fresh purchase order.
import { expect, test, type Browser, type Page } from "@playwright/test";
import type { components } from "../src/api/schema/catalog";
import { asUser, uniqueSerial } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

type PurchaseOrder = components["schemas"]["PurchaseOrderOut"];
type Stock = components["schemas"]["StockOut"];
type Backorders = components["schemas"]["BackordersOut"];

test.beforeEach(async ({ page }) => inEnglish(page));

/** The calendar date `days` after today (UTC), as the services read dates. */
function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A calendar date as the English console shows it. */
function shown(date: string): string {
  return new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${date}T00:00:00Z`));
}

/** A part no other test orders, supplied by `supplier`, as the administrator adds it. */
async function newPart(browser: Browser, supplier = "BOSCH"): Promise<string> {
  const part = uniqueSerial("PX");
  const admin = await asUser(browser, "admin");
  try {
    await admin.post("catalog", "/parts", {
      part_number: part,
      description: "Cabin filter (purchasing test)",
      category: "filters",
      supplier_code: supplier,
      list_price: "12.0000",
      warranty_months: 12,
    });
  } finally {
    await admin.close();
  }
  return part;
}

/** Catalog calls as the user signed in on `page` (its cookie and CSRF token). */
async function catalogOf(page: Page) {
  const me = await page.request.get("/auth/me");
  const csrf = ((await me.json()) as { csrf_token: string }).csrf_token;
  const call = async <T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> =
      method === "GET" ? {} : { "X-CSRF-Token": csrf, ...(method === "POST" ? { "Idempotency-Key": crypto.randomUUID() } : {}) };
    const answer = await page.request.fetch(`/api/catalog/v1${path}`, { method, headers, data: body });
    expect(answer.ok(), `${method} ${path}: ${await answer.text()}`).toBeTruthy();
    return (await answer.json()) as T;
  };
  return {
    get: <T>(path: string) => call<T>("GET", path),
    post: <T>(path: string, body?: unknown) => call<T>("POST", path, body),
    put: <T>(path: string, body: unknown) => call<T>("PUT", path, body),
  };
}

test("replenishment drafts a purchase order; sent, received in part by keyboard, the rest over the order with a reason", async ({
  page,
  browser,
}) => {
  const part = await newPart(browser);
  await signIn(page, "warehouse", "/warehouse/replenishment");
  const catalog = await catalogOf(page);
  // 2 in stock against a reorder point of 10: 8 short, ordered in whole reorder quantities of 12.
  await catalog.post("/receipts", { warehouse: "WH1", part_number: part, qty: 2, reference: "E2E-OPENING" });
  await catalog.put(`/stock/WH1/${part}`, { reorder_point: 10, reorder_qty: 12 });

  await page.getByLabel("Warehouse").selectOption("WH1");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  const row = page.getByRole("row").filter({ hasText: part });
  await expect(row).toBeVisible();
  const csv = await page.request.get((await page.getByRole("link", { name: / as CSV$/ }).getAttribute("href")) ?? "");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect(await csv.text()).toContain(`${part},`);

  await row.getByRole("checkbox", { name: `Select ${part}` }).check();
  await expect(row.getByLabel(`Order quantity of ${part}`)).toHaveValue("12");
  // Never ordered from BOSCH before: no last price to start from.
  await expect(row.getByLabel(`Agreed unit price of ${part}`)).toHaveValue("");
  await row.getByLabel(`Agreed unit price of ${part}`).fill("4.20");
  const order = page.getByRole("form", { name: "Order the selected suggestions" });
  await order.getByLabel("Currency").fill("EUR");
  await order.getByLabel("Expected date").fill(inDays(14));
  await expectAccessible(page);
  await screenshot(page, "warehouse-replenishment");
  await order.getByRole("button", { name: "Create purchase orders" }).click();
  const drafted = order.getByRole("status");
  await expect(drafted).toContainText("1 draft purchase order created");
  await expect(drafted).toContainText("BOSCH · 1 line · €50.40");
  await drafted.getByRole("link", { name: /^PO-\d+$/ }).click();

  const title = page.getByRole("heading", { level: 1 });
  await expect(title).toHaveText(/^Purchase order PO-\d+ Draft$/);
  const number = /PO-\d+/.exec((await title.textContent()) ?? "")![0];
  const line = page.getByRole("table", { name: "Lines" }).getByRole("row").filter({ hasText: part });
  const cells = line.getByRole("cell");
  await expect(cells.nth(2)).toHaveText("12");
  await expect(cells.nth(6)).toHaveText(shown(inDays(14)));
  await page.getByRole("button", { name: "Send to supplier" }).click();
  await expect(title).toHaveText(/Sent$/);
  await expect(page.getByRole("status")).toHaveText(`${number} sent to BOSCH: on order from now on.`);

  // Part of the delivery, by keyboard: the quantity, Tab to the delivery note, Enter.
  const receive = page.getByRole("form", { name: "Receive a delivery" });
  const receiveLine = receive.getByRole("group", { name: new RegExp(`^Line 1 · ${part}`) });
  await receiveLine.getByLabel("Quantity received").focus();
  await page.keyboard.type("5");
  await page.keyboard.press("Tab");
  await expect(receive.getByLabel("Delivery note")).toBeFocused();
  await page.keyboard.type("DN-7731");
  await page.keyboard.press("Enter");
  await expect(title).toHaveText(/Partially received$/);
  await expect(page.getByRole("status")).toHaveText(`5 units received. ${number}: Partially received.`);
  await expect(cells.nth(3)).toHaveText("5");
  await expect(cells.nth(4)).toHaveText("7");

  // The rest and two more: without a reason the service refuses it, beside the quantity.
  const qty = receiveLine.getByLabel("Quantity received");
  await qty.fill("9");
  const reason = receiveLine.getByLabel("Over-receipt reason");
  await expect(reason).toBeVisible();
  await expect(reason).toHaveAccessibleDescription(/2 more than is open/);
  await receive.getByRole("button", { name: "Receive", exact: true }).click();
  await expect(qty).toHaveAttribute("aria-invalid", "true");
  await expect(qty).toHaveAccessibleDescription(/only 7 of the 12 ordered are still open/);
  await expect(title).toHaveText(/Partially received$/);
  await reason.fill("Supplier sent a full box");
  await reason.press("Enter");
  await expect(title).toHaveText(/PO-\d+ Received$/);
  await expect(cells.nth(3)).toHaveText("14");
  await expect(cells.nth(4)).toHaveText("0");
  await expect(receive).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Cancel purchase order" })).toHaveCount(0);
  expect((await catalog.get<Stock>(`/stock/WH1/${part}`)).on_hand).toBe(2 + 5 + 9);
  await expectAccessible(page);
  await screenshot(page, "warehouse-purchase-order");

  // The list finds it by its part.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Purchase orders" }).click();
  await page.getByLabel("Part number").fill(part.toLowerCase());
  await page.getByLabel("Part number").press("Enter");
  await expect(page).toHaveURL(new RegExp(`part=${part}`));
  const listed = page.getByRole("row").filter({ hasText: number });
  await expect(listed).toContainText("BOSCH");
  await expect(listed).toContainText("Received");
  await expect(page.getByRole("row")).toHaveCount(2);
  await expectAccessible(page);
  await screenshot(page, "warehouse-purchase-orders");
});

test("a new purchase order: a wrong line is refused beside it; rescheduled; a change made elsewhere is refused where the user acts", async ({
  page,
}) => {
  await signIn(page, "warehouse", "/warehouse/purchase-orders");
  await page.getByRole("link", { name: "New purchase order" }).click();
  const form = page.getByRole("form", { name: "New purchase order" });
  await form.getByLabel("Supplier").selectOption("BOSCH");
  await form.getByLabel("Deliver to warehouse").selectOption("WH2");
  const first = form.getByRole("group", { name: "Line 1" });
  // A keyboard-wedge scanner types the code and presses Enter: focus moves to the quantity.
  await first.getByLabel("Part number").pressSequentially("fl-5001");
  await first.getByLabel("Part number").press("Enter");
  await expect(first.getByLabel("Quantity")).toBeFocused();
  await page.keyboard.type("6");
  await first.getByLabel("Agreed unit price").fill("4.10");
  await first.getByLabel("Expected date").fill(inDays(10));
  await form.getByRole("button", { name: "Add a line" }).click();
  const second = form.getByRole("group", { name: "Line 2" });
  await expect(second.getByLabel("Expected date")).toHaveValue(inDays(10));
  await second.getByLabel("Part number").fill("AL-3001");
  await second.getByLabel("Quantity").fill("1");
  await second.getByLabel("Agreed unit price").fill("250");
  await form.getByRole("button", { name: "Create draft" }).click();

  // Valeo's alternator on an order to Bosch: the service's message stands beside that part.
  const wrong = second.getByLabel("Part number");
  await expect(wrong).toHaveAttribute("aria-invalid", "true");
  await expect(wrong).toHaveAccessibleDescription(/AL-3001 is supplied by VALEO, not BOSCH/);
  await expect(first.getByLabel("Part number")).not.toHaveAttribute("aria-invalid");
  await expect(page).toHaveURL(/\/warehouse\/purchase-orders\/new$/);
  await expectAccessible(page);
  await screenshot(page, "warehouse-new-purchase-order");

  await form.getByRole("button", { name: "Remove line 2" }).click();
  await form.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/warehouse\/purchase-orders\/[0-9a-f-]{36}$/);
  const title = page.getByRole("heading", { level: 1 });
  await expect(title).toHaveText(/^Purchase order PO-\d+ Draft$/);
  await expect(page.getByRole("status")).toContainText(/Draft PO-\d+ created\./);
  const cells = page.getByRole("table", { name: "Lines" }).getByRole("row").filter({ hasText: "FL-5001" }).getByRole("cell");
  await expect(cells.nth(5)).toHaveText("€4.10");

  // The supplier confirms another day.
  const reschedule = page.getByRole("form", { name: "Reschedule line 1" });
  await reschedule.getByLabel("New expected date").fill(inDays(20));
  await reschedule.getByRole("button", { name: "Reschedule" }).click();
  await expect(cells.nth(6)).toHaveText(shown(inDays(20)));
  await expect(page.getByRole("status")).toHaveText(`Line 1 is now expected on ${shown(inDays(20))}.`);

  // Cancelled elsewhere (another screen, another colleague) while this page still offers Send.
  const id = page.url().split("/").pop()!;
  const catalog = await catalogOf(page);
  expect((await catalog.post<PurchaseOrder>(`/purchase-orders/${id}/cancel`)).status).toBe("cancelled");
  const steps = page.getByRole("group", { name: "Next steps" });
  await steps.getByRole("button", { name: "Send to supplier" }).click();
  await expect(steps.getByRole("alert")).toContainText("a purchase order that is cancelled cannot be sent");
  await expectAccessible(page);
  await steps.getByRole("button", { name: "Show the purchase order as it is now" }).click();
  await expect(title).toHaveText(/Cancelled$/);
  await expect(page.getByRole("button", { name: "Send to supplier" })).toHaveCount(0);
});

test("a backordered line shows when the purchase order sent for it is expected", async ({ page, browser }) => {
  const part = await newPart(browser);
  const dealer = await asUser(browser, "dealer-d001");
  let orderNumber = "";
  try {
    // Orders learns of the new part from catalog's event: until then it refuses the line.
    await expect(async () => {
      const placed = await dealer.post<{ number: string }>("orders", "/orders", {
        priority: "stock",
        lines: [{ part_number: part, qty: 3 }],
      });
      orderNumber = placed.number;
    }).toPass({ timeout: 30_000 });
  } finally {
    await dealer.close();
  }
  await signIn(page, "warehouse", "/warehouse/backorders");
  const catalog = await catalogOf(page);
  // Nothing is in stock at WH1 (D001's warehouse): all three wait once catalog has the order.
  await expect
    .poll(async () => {
      const report = await catalog.get<Backorders>("/reports/backorders?format=json");
      return report.items.find((b) => b.order_number === orderNumber)?.qty;
    })
    .toBe(3);
  await page.reload();
  const row = page.getByRole("row").filter({ hasText: orderNumber });
  await expect(row).toContainText("No date yet: nothing on order covers it");
  await expectAccessible(page);

  const po = await catalog.post<PurchaseOrder>("/purchase-orders", {
    supplier: "BOSCH",
    warehouse: "WH1",
    currency: "EUR",
    lines: [{ part_number: part, qty: 5, unit_price: "3.90", expected_date: inDays(9) }],
  });
  await catalog.post(`/purchase-orders/${po.id}/send`);
  await page.reload();
  await expect(row).toContainText(shown(inDays(9)));
  await expect(row).not.toContainText("No date yet");
  await screenshot(page, "warehouse-backorders-expected");
});

test("an administrator reads purchasing but drafts, sends and receives nothing", async ({ page, browser }) => {
  const warehouse = await asUser(browser, "warehouse");
  let po: PurchaseOrder;
  try {
    po = await warehouse.post<PurchaseOrder>("catalog", "/purchase-orders", {
      supplier: "VALEO",
      warehouse: "WH2",
      currency: "EUR",
      lines: [{ part_number: "WP-4001", qty: 2, unit_price: "80.00", expected_date: inDays(5) }],
    });
    await warehouse.post("catalog", `/purchase-orders/${po.id}/send`, {});
  } finally {
    await warehouse.close();
  }
  await signIn(page, "admin", "/warehouse/purchase-orders");
  await expect(page.getByRole("heading", { name: "Purchase orders" })).toBeVisible();
  await expect(page.getByRole("link", { name: "New purchase order" })).toHaveCount(0);
  await page.goto(`/warehouse/purchase-orders/${po.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Purchase order ${po.number} Sent`);
  await expect(page.getByRole("table", { name: "Lines" })).toContainText("WP-4001");
  await expect(page.getByRole("button")).toHaveText(["Sign out"]);
  await expect(page.getByRole("form", { name: "Receive a delivery" })).toHaveCount(0);
  await expectAccessible(page);

  await page.goto("/warehouse/replenishment?warehouse=WH2&window_days=30");
  await expect(page.getByText(/^As of/)).toBeVisible();
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Create purchase orders" })).toHaveCount(0);
  await expectAccessible(page);

  await page.goto("/warehouse/purchase-orders/new");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
});

test("a dealer cannot open the purchasing pages", async ({ page }) => {
  await signIn(page, "dealer-d002", "/warehouse/purchase-orders");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Purchase orders" })).toHaveCount(0);
  for (const path of ["/warehouse/purchase-orders/new", "/warehouse/replenishment"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    await expect(page.getByRole("form")).toHaveCount(0);
  }
  await expectAccessible(page);
});
