// The administrator's master data: a parts import refused with every bad row shown,
// then accepted; a supplier created and deactivated; a warehouse and a dealer created.
import { expect, test } from "@playwright/test";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

test.beforeEach(async ({ page }) => inEnglish(page));

const unique = (prefix: string) => `${prefix}${Date.now().toString(36).slice(-5)}`.toUpperCase();
const HEADER = "part_number,description,category,unit_of_measure,list_price,currency,supplier_code,warranty_months,core,returnable,superseded_by,effective_from";

test("a parts import with bad rows writes nothing and lists each, then the corrected file imports", async ({ page }) => {
  await signIn(page, "admin", "/admin/parts");
  const pn = unique("IMP-");
  const bad = [HEADER, `${pn}-1,Hose clamp,cooling,EA,abc,EUR,VALEO,24,false,true,,2026-01-01`, `${pn}-2,Hose,cooling,EA,4.50,EUR,NOSUCH,24,false,true,,2026-01-01`].join("\n");
  await page.getByLabel("Or paste the CSV").fill(bad);
  await page.getByRole("button", { name: "Import 2 rows" }).click();
  const problems = page.getByRole("alert");
  await expect(problems).toContainText("Nothing was imported");
  await expect(problems.getByRole("row", { name: /line 2/ })).toBeVisible();
  await expect(problems.getByRole("row", { name: /line 3/ })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, "admin-parts-import-refused");
  expect((await page.request.get(`/api/catalog/v1/parts/${pn}-1`)).status()).toBe(404);

  const good = [HEADER, `${pn}-1,Hose clamp,cooling,EA,1.20,EUR,VALEO,24,false,true,,2026-01-01`, `${pn}-2,Hose,cooling,EA,4.50,EUR,VALEO,24,false,true,,2026-01-01`].join("\n");
  await page.getByLabel("Or paste the CSV").fill(good);
  await page.getByRole("button", { name: "Import 2 rows" }).click();
  await expect(page.getByRole("status").filter({ hasText: "rows:" })).toContainText("2 rows: 2 new parts");
  expect((await page.request.get(`/api/catalog/v1/parts/${pn}-1`)).ok()).toBeTruthy();
});

test("a supplier is created, shown, and deactivated", async ({ page }) => {
  await signIn(page, "admin", "/admin/suppliers");
  const code = unique("SUP-");
  const form = page.getByRole("form", { name: "New supplier" });
  await form.getByLabel("Code").fill("not a code!");
  await form.getByLabel("Name").fill("Bad code");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.locator("#code-error")).toBeVisible();
  await form.getByLabel("Code").fill(code);
  await form.getByLabel("Name").fill("Test supplier");
  await form.getByRole("button", { name: "Create" }).dblclick();
  await expect(page.getByRole("status").filter({ hasText: "created" })).toContainText(`${code} created`);
  const row = page.getByRole("row", { name: new RegExp(code) });
  await expect(row).toContainText("Yes");
  await row.getByRole("button", { name: `Deactivate ${code}` }).click();
  await expect(page.getByRole("row", { name: new RegExp(code) })).toContainText("No");
  await expectAccessible(page);
  await screenshot(page, "admin-suppliers");
});

test("a warehouse and a dealer are created", async ({ page }) => {
  await signIn(page, "admin", "/admin/warehouses");
  const wh = unique("WH-");
  const whForm = page.getByRole("form", { name: "New warehouse" });
  await whForm.getByLabel("Code").fill(wh);
  await whForm.getByLabel("Name").fill("Test warehouse");
  await whForm.getByLabel("Kind").selectOption("regional");
  await whForm.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("row", { name: new RegExp(wh) })).toContainText("Regional");
  await expectAccessible(page);

  await page.getByRole("link", { name: "Dealers" }).click();
  const dealer = unique("D");
  const form = page.getByRole("form", { name: "New dealer" });
  await form.getByLabel("Code").fill(dealer);
  await form.getByLabel("Name").fill("Test dealer");
  await form.getByLabel("Tier").selectOption("gold");
  await form.getByLabel("Labor rate per hour").fill("-5");
  await form.getByLabel("Home warehouse").fill("WH1");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.locator("#labor_rate-error")).toBeVisible();
  await form.getByLabel("Labor rate per hour").fill("92.50");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("status").filter({ hasText: "created" })).toContainText(`${dealer} created`);
  await expect(page.getByRole("row", { name: new RegExp(dealer) })).toContainText("Gold");
  await expectAccessible(page);
  await screenshot(page, "admin-dealers");
});

test("a policy, a labor operation and an agreement are created; an overlapping agreement is refused", async ({ page }) => {
  await signIn(page, "admin", "/admin/policies");
  const category = unique("cat-").toLowerCase();
  const policy = page.getByRole("form", { name: "New policy" });
  await policy.getByLabel("Category").fill(category);
  await policy.getByLabel("Warranty months").fill("18");
  await policy.getByLabel("Usage limit").fill("80000");
  await policy.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("row", { name: new RegExp(category) })).toContainText("18");
  await expectAccessible(page);

  await page.getByRole("link", { name: "Labor operations" }).click();
  const code = unique("OP-");
  const op = page.getByRole("form", { name: "New labor operation" });
  await op.getByLabel("Code").fill(code);
  await op.getByLabel("Description").fill("Replace hose");
  await op.getByLabel("Standard hours").fill("0.70");
  await op.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("row", { name: new RegExp(code) })).toContainText("Replace hose");

  await page.getByRole("link", { name: "Supplier agreements" }).click();
  const form = page.getByRole("form", { name: "New agreement" });
  // The demo data has BOSCH's agreement in force from 2024 on: another one overlaps it.
  await form.getByLabel("Supplier").fill("BOSCH");
  await form.getByLabel("Valid from").fill("2025-01-01");
  await form.getByLabel("Parts recovered %").fill("70");
  await form.getByLabel("Labor recovered %").fill("40");
  await form.getByLabel("Handling fee").fill("10.00");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.locator("#valid_from-error")).toContainText("overlaps");
  await expect(page.getByRole("row", { name: /BOSCH/ })).toHaveCount(1);
  await expectAccessible(page);
  await screenshot(page, "admin-agreements");
});

test("a dealer cannot open the administrator's pages", async ({ page }) => {
  await signIn(page, "dealer-d003", "/admin/suppliers");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
});
