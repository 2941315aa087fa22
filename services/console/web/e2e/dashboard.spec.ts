// Each role's start page shows the figures of its work: a chart, the same data as a
// table beneath it, and a CSV of that table.
import { expect, test } from "@playwright/test";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

const DASHBOARDS = [
  { username: "dealer-d001", charts: ["Parts fill rate by week (target 90 %)", "Claim cycle time by week (submission to decision)"] },
  { username: "warehouse", charts: ["Parts fill rate by week (target 90 %)", "Backorder aging"] },
  { username: "quality", charts: ["Approval rate and old-part return compliance by week"] },
  { username: "finance", charts: ["Supplier recovery rate (credited of claimed)"] },
];

test.beforeEach(async ({ page }) => inEnglish(page));

for (const { username, charts } of DASHBOARDS) {
  test(`${username}'s dashboard shows its figures as charts, tables and CSV`, async ({ page }) => {
    await signIn(page, username);
    for (const title of charts) {
      const figure = page.getByRole("figure", { name: title });
      await expect(figure.getByRole("img", { name: title })).toBeVisible();
      await expect(figure.getByRole("table")).toBeVisible();
      const csv = await figure.getByRole("link", { name: / as CSV$/ }).getAttribute("href");
      expect(decodeURIComponent(csv ?? "")).toMatch(/^data:text\/csv;charset=utf-8,Period,/);
    }
    await expectAccessible(page);
    await screenshot(page, `dashboard-${username}`);
  });
}

test("the warehouse's target line is 90 % in every week, against the rate by request", async ({ page }) => {
  await signIn(page, "warehouse");
  const figure = page.getByRole("figure", { name: "Parts fill rate by week (target 90 %)" });
  // The target is set for order lines filled within 24 h (the rate by request), the
  // first series; the units (by quantity) and the reservation at placement follow.
  await expect(figure.getByRole("table").getByRole("columnheader")).toHaveText([
    "Period",
    "Order lines filled within 24 h",
    "Units shipped within 24 h",
    "Units reserved when placed",
    "Target",
  ]);
  const targets = figure.getByRole("table").getByRole("row").locator("td:last-child");
  await expect(targets).toHaveCount(8);
  for (const cell of await targets.all()) await expect(cell).toHaveText("90%");
});
