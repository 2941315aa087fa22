// Tier discounts (admin): each tier's discount in force, a refusal named beside its
// field (three decimals, then a moment already passed), then a discount scheduled a
// year ahead: the tier's next one and the top of its history. Scheduled for later, it
// changes no price the other tests see.
import { expect, test } from "@playwright/test";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

test.beforeEach(async ({ page }) => inEnglish(page));

/** A `datetime-local` value (the browser's local time), a year and some minutes ahead:
 *  a moment no other run has used. */
function aYearAhead(): string {
  const at = new Date(Date.now() + 365 * 86_400_000 + Math.floor(Math.random() * 100_000) * 60_000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}`;
}

test("an admin schedules a tier discount for later and sees it as next and in the history", async ({ page }) => {
  await signIn(page, "admin", "/admin/tier-discounts");
  const now = page.getByRole("table", { name: "In force now" });
  await expect(now.getByRole("row", { name: /^Gold/ })).toContainText("10 %");
  await expect(now.getByRole("row", { name: /^Platinum/ })).toContainText("15 %");

  const form = page.getByRole("form", { name: "Schedule a discount" });
  await form.getByLabel("Tier").selectOption("platinum");
  await form.getByLabel("Discount %").fill("17.505");
  await form.getByRole("button", { name: "Schedule" }).click();
  await expect(form.locator("#tier-schedule-pct-error")).toContainText("at most 2 decimals");

  await form.getByLabel("Discount %").fill("17.5");
  await form.getByLabel("Starts at").fill("2020-01-01T08:00");
  await form.getByRole("button", { name: "Schedule" }).click();
  await expect(form.locator("#tier-schedule-from-error")).toContainText("must not be in the past");
  await expectAccessible(page);

  await form.getByLabel("Starts at").fill(aYearAhead());
  await form.getByRole("button", { name: "Schedule" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Platinum:" })).toContainText("17.5 % from");
  const platinum = now.getByRole("row", { name: /^Platinum/ });
  await expect(platinum).toContainText("15 %");
  await expect(platinum).toContainText("17.5 % from");

  const history = page.getByRole("table", { name: "History of Platinum" });
  await expect(history.getByRole("row").nth(1)).toContainText("17.5 %");
  await expect(history.getByRole("row").last()).toContainText("From the start");
  await expectAccessible(page);
  await screenshot(page, "admin-tier-discounts");

  await now.getByRole("button", { name: "Show the history of Gold" }).click();
  await expect(page.getByRole("table", { name: "History of Gold" }).getByRole("row").nth(1)).toContainText("10 %");
});
