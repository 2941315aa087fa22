// Notifications in the console: a dealer subscribes to "order shipped" on the
// notifications page, the warehouse ships one of the dealer's orders, the header's
// unread count goes up, the page shows the shipment's summary linked to the order,
// and marking it read brings the count down again.
import { expect, test, type Page } from "@playwright/test";
import type { components } from "../src/api/schema/orders";
import { asUser } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

type Order = components["schemas"]["OrderView"];

test.beforeEach(async ({ page }) => inEnglish(page));

const bell = (page: Page) => page.getByRole("banner").getByRole("link", { name: /^Notifications/ });

/** The unread count the header's link announces. */
async function unreadShown(page: Page): Promise<number> {
  const label = (await bell(page).getAttribute("aria-label")) ?? "";
  const count = label.match(/^Notifications, (\d+) unread$/)?.[1];
  expect(count, `the header says "${label}"`).toBeDefined();
  return Number(count);
}

test("a dealer subscribed to 'order shipped' is told in the console, and marks it read", async ({ page, browser }) => {
  await signIn(page, "dealer-d001", "/notifications");
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();

  // The topics come from the services: orders offers a dealer "order.shipped".
  const orders = page.getByRole("group", { name: "Parts orders" });
  const shipped = orders.getByRole("checkbox", { name: "order.shipped" });
  await expect(shipped).toBeVisible();
  if (!(await shipped.isChecked())) await shipped.check();
  await expect(shipped).toBeChecked();
  // The subscription was made: after a reload it is still ticked.
  await page.reload();
  await expect(page.getByRole("group", { name: "Parts orders" }).getByRole("checkbox", { name: "order.shipped" })).toBeChecked();
  await expectAccessible(page);
  await expect(bell(page)).toHaveAttribute("aria-label", /^Notifications, \d+ unread$/);
  const before = await unreadShown(page);

  // The dealer orders, the order is reserved, the warehouse ships it.
  const dealer = await asUser(browser, "dealer-d001");
  const order = await dealer.post<Order>("orders", "/orders", { priority: "stock", lines: [{ part_number: "AL-3001", qty: 1 }] });
  await expect.poll(async () => (await dealer.get<Order>("orders", `/orders/${order.id}`)).status, { timeout: 20_000 }).toBe("reserved");
  const tracking = `NT-${Date.now().toString(36).toUpperCase()}`;
  const warehouse = await asUser(browser, "warehouse");
  await warehouse.post("catalog", "/shipments", { order_id: order.id, carrier: "DHL", tracking_ref: tracking });
  await Promise.all([dealer.close(), warehouse.close()]);

  // The header counts again on every navigation (and every 30 s): go home until the
  // shipment has reached orders as an event and been written as a notification.
  await expect(async () => {
    await page.getByRole("link", { name: "Aftersales console" }).click();
    expect(await unreadShown(page)).toBe(before + 1);
  }).toPass({ timeout: 30_000 });

  // Keyboard: the header's link is reachable and opens the page.
  await bell(page).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/notifications$/);
  const item = page.getByRole("list", { name: "Your notifications, newest first" }).getByRole("listitem").filter({ hasText: tracking });
  await expect(item).toContainText(`Order ${order.number} shipped: 1 unit by DHL (tracking ${tracking})`);
  await expect(item).toContainText("Unread");
  await expect(item).toContainText("order.shipped");
  await expect(item.getByRole("link", { name: "Open" })).toHaveAttribute("href", `/orders/${order.id}`);
  await expectAccessible(page);
  await screenshot(page, "dealer-notifications");

  await item.getByRole("button", { name: /^Mark read/ }).click();
  await expect(item).not.toContainText("Unread");
  await expect(item.getByRole("button", { name: /^Mark read/ })).toHaveCount(0);
  await expect(bell(page)).toHaveAttribute("aria-label", `Notifications, ${before} unread`);

  // Still read after a reload: the service keeps it.
  await page.reload();
  const again = page.getByRole("listitem").filter({ hasText: tracking });
  await expect(again).toBeVisible();
  await expect(again).not.toContainText("Unread");

  // The link leads to the order.
  await again.getByRole("link", { name: "Open" }).click();
  await expect(page.getByRole("heading", { name: new RegExp(`Order ${order.number}`) })).toBeVisible();
});

test("an administrator opens the notifications page and may follow dead letters in every service", async ({ page }) => {
  await signIn(page, "admin", "/notifications");
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
  // The topics are what each service answers for the role: dead letters everywhere.
  for (const service of ["Parts orders", "Warranty claims", "Supplier recovery", "Parts and stock"]) {
    await expect(page.getByRole("group", { name: service }).getByRole("checkbox", { name: "event.dead_lettered" })).toBeVisible();
  }
  await expectAccessible(page);
});
