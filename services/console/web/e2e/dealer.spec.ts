// A dealer's day through the console, signed in at the development provider: find a
// part with the own net price and its availability, order it (a double click places
// one order), see it reserved, then shipped with its carrier and tracking reference;
// another dealer cannot open it; signing out ends the session.
import { expect, test } from "@playwright/test";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

test.describe.configure({ mode: "serial" });

let orderPath = "";
let orderNumber = "";

test.beforeEach(async ({ page }) => inEnglish(page));

test("the sign-in page is the start for someone not signed in", async ({ page }) => {
  await page.goto("/orders");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "sign-in");
});

test("a dealer finds a part with the own net price and orders it once, reserved", async ({ page }) => {
  await signIn(page, "dealer-d001");
  await expect(page.locator(".user")).toContainText("Dealer · D001");
  await expectAccessible(page);

  await page.getByRole("link", { name: "Part search" }).first().click();
  await page.getByLabel("Part number or description").fill("AL-3001");
  await page.getByRole("button", { name: "Search" }).click();
  const row = page.getByRole("row", { name: /AL-3001/ });
  await expect(row).toBeVisible();
  // D001 is a gold dealer: the net price is below the list price.
  const cells = row.getByRole("cell");
  const list = await cells.nth(2).innerText();
  const net = await cells.nth(4).innerText();
  expect(net).not.toEqual(list);
  // Availability per warehouse as a band, never a count (the demo stocks both).
  const availability = cells.nth(5);
  await expect(availability).toContainText("Central warehouse: In stock");
  await expect(availability).toContainText("Regional warehouse north: In stock");
  await expect(availability).not.toContainText(/\d/);
  await expectAccessible(page);
  await screenshot(page, "dealer-part-search");

  await row.getByLabel("Quantity of AL-3001").fill("2");
  await row.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByRole("status")).toContainText("AL-3001");
  await page.getByRole("link", { name: "Cart" }).first().click();
  await page.getByLabel("Emergency order").check();
  await expectAccessible(page);
  await screenshot(page, "dealer-cart");

  await page.getByRole("button", { name: "Place order" }).dblclick();
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: /Order .* Reserved/ })).toBeVisible();
  // In the lines table (the order's history below names the part too).
  const line = page.getByRole("table", { name: "Lines" }).getByRole("row", { name: /AL-3001/ });
  await expect(line.getByRole("cell").nth(3)).toHaveText("2");
  orderPath = new URL(page.url()).pathname;
  orderNumber = (await page.getByRole("heading", { name: /Order/ }).innerText()).match(/ORD-\d+/)?.[0] ?? "";
  expect(orderNumber).not.toEqual("");
  await expectAccessible(page);
  await screenshot(page, "dealer-order");

  // How long until the order page is usable when opened afresh (the figure the issue
  // asks for): navigation to the lines table with its reserved quantities.
  const started = Date.now();
  await page.goto(orderPath);
  await expect(page.getByRole("table", { name: "Lines" }).getByRole("row", { name: /AL-3001/ }).getByRole("cell").nth(3)).toHaveText("2");
  console.log(`order page usable after ${Date.now() - started} ms`);

  await page.getByRole("link", { name: "All orders" }).click();
  await expect(page.getByRole("row")).toHaveCount(2); // the header and one order: the double click placed one
  await expectAccessible(page);
  await screenshot(page, "dealer-orders");
});

test("another dealer opening that order by its URL sees 'not found'", async ({ page }) => {
  expect(orderPath).not.toEqual("");
  await signIn(page, "dealer-d002", orderPath);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByText("There is no such order among yours.")).toBeVisible();
  await expectAccessible(page);
});

test("the warehouse ships it, emergency first, and the dealer sees it shipped", async ({ page, browser }) => {
  await signIn(page, "warehouse");
  await page.getByRole("link", { name: "Orders to ship" }).first().click();
  const row = page.getByRole("row", { name: new RegExp(`${orderNumber} · D001`) });
  await expect(row).toBeVisible();
  await expect(row).toContainText("Emergency");
  // The service's shipping order: every emergency before the first stock order.
  const priorities = await page.locator("tbody tr td:nth-child(2)").allInnerTexts();
  expect(priorities.indexOf("Emergency")).toBeGreaterThanOrEqual(0);
  expect(priorities.lastIndexOf("Emergency")).toBeLessThan(priorities.includes("Stock") ? priorities.indexOf("Stock") : Infinity);
  // One warehouse's queue holds only that warehouse's orders.
  const warehouse = (await row.getByRole("cell").nth(3).innerText()).trim();
  await page.getByLabel("Warehouse").selectOption(warehouse);
  await expect(row).toBeVisible();
  expect(new Set(await page.locator("tbody tr td:nth-child(4)").allInnerTexts())).toEqual(new Set([warehouse]));
  await expectAccessible(page);
  await screenshot(page, "warehouse-ship-queue");
  await row.getByLabel("Carrier").fill("DHL");
  await row.getByLabel("Tracking reference").fill("JD0001");
  await row.getByRole("button", { name: "Ship" }).click();
  await expect(page.locator(".notice")).toContainText("Shipped.");

  // A context of its own (not browser.newPage()), so the accessibility check can run.
  const dealerContext = await browser.newContext();
  const dealer = await dealerContext.newPage();
  await inEnglish(dealer);
  await signIn(dealer, "dealer-d001", orderPath);
  // The shipment reaches orders as an event: look again until it has.
  await expect(async () => {
    await dealer.reload();
    await expect(dealer.getByRole("heading", { name: /Order .* Shipped/ })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  const lines = dealer.getByRole("table", { name: "Lines" });
  await expect(lines.getByRole("row", { name: /AL-3001/ }).getByRole("cell").nth(5)).toHaveText("2");
  // The shipment with its carrier, tracking reference and what it carried, also on the timeline.
  const shipment = dealer.getByRole("table", { name: "Shipments" }).getByRole("row", { name: /JD0001/ });
  await expect(shipment.getByRole("cell").nth(1)).toHaveText("DHL");
  await expect(shipment.getByRole("cell").nth(2)).toHaveText("JD0001");
  await expect(shipment.getByRole("cell").nth(3)).toHaveText("Line 1: AL-3001 × 2");
  await expect(dealer.locator("ol.timeline")).toContainText("DHL, tracking JD0001");
  await expectAccessible(dealer);
  await screenshot(dealer, "dealer-order-shipped");
  await dealerContext.close();
});

test("a warehouse user opening a dealer's page is told it is not allowed", async ({ page }) => {
  await signIn(page, "warehouse", "/parts");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "not-allowed");
});

test("the language switch gives Chinese and is remembered", async ({ page }) => {
  await signIn(page, "dealer-d001");
  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByRole("link", { name: "配件查询" }).first()).toBeVisible();
  await page.reload();
  await expect(page.getByRole("link", { name: "我的配件订单" }).first()).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "dealer-home-zh");
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page, "dealer-d001", "/orders");
  await page.getByRole("button", { name: "Sign out" }).click();
  // RP-initiated logout: the provider asks to confirm its own sign-out, then sends
  // the browser back to the console.
  await page.getByRole("button", { name: "Yes, sign me out" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await page.goto("/orders");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  const me = await page.request.get("/auth/me");
  expect(me.status()).toBe(401);
});

test("a lost session goes back through sign-in to the same page", async ({ page, context }) => {
  await signIn(page, "dealer-d001", "/orders");
  await context.clearCookies({ name: "console_session" });
  await page.getByRole("link", { name: "Part search" }).first().click();
  await page.getByLabel("Part number or description").fill("AL-3001");
  await page.getByRole("button", { name: "Search" }).click();
  // The 401 sends the browser to sign in; the provider's own session lets it through.
  await expect(page).toHaveURL(/\/parts$/);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
});
