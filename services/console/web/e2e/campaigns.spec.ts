// Service campaigns: the admin records one for a model of its own (a date range the
// wrong way round refused beside its field), D001 files a campaign claim for one of its
// two affected units, the quality lead reads completion per dealer and the units with
// their claim; D002 sees only its own unit and completion; D001 files the other unit's
// campaign claim from the campaign's page, through the claim wizard.
import { expect, test, type Page } from "@playwright/test";
import { asUser, daysAgo, uniqueSerial, type Api, type Claim } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

const MODEL = `Recall-${Date.now().toString(36)}`;
const CODE = `RC-${Date.now().toString(36).toUpperCase()}`;

async function unitOf(dealer: Api): Promise<string> {
  const serial = uniqueSerial("RCL");
  await dealer.post("inspection", "/units", {
    serial,
    model: MODEL,
    in_service_date: daysAgo(400),
    usage_at_sale: 10,
    usage_unit: "km",
  });
  return serial;
}

/** The rest of a claim, as the claims test fills it: AL-3001 and 1.5 h of ALT-RR,
 *  priced 310.00 + 127.50. */
async function fillClaim(page: Page): Promise<void> {
  await page.getByLabel("Failure date").fill(daysAgo(7));
  await page.getByLabel("Repair date").fill(daysAgo(6));
  await page.getByLabel("Usage at failure").fill("20000");
  await page.getByLabel("Complaint").fill("Battery warning light on");
  await page.getByLabel("Cause", { exact: true }).fill("Alternator does not charge");
  await page.getByLabel("Correction").fill("Alternator replaced");
  await page.getByLabel("Causal part").fill("AL-3001");
  await page.getByLabel("Part number, line 1").fill("AL-3001");
  await page.getByLabel("Quantity, line 1").fill("1");
  await page.getByLabel("Operation, line 1").selectOption("ALT-RR");
  await page.getByLabel("Hours, line 1").fill("1.50");
}

async function campaignRow(page: Page) {
  return page.getByRole("row").filter({ has: page.getByRole("link", { name: CODE }) });
}

test("the admin records a campaign; the lead follows its completion and units; a dealer sees its own", async ({ browser, page }) => {
  const d001 = await asUser(browser, "dealer-d001");
  const d002 = await asUser(browser, "dealer-d002");
  const [first, second] = [await unitOf(d001), await unitOf(d001)];
  const theirs = await unitOf(d002);
  await d002.close();

  await inEnglish(page);
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Service campaigns" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Service campaigns" })).toBeVisible();
  const form = page.getByRole("form", { name: "New service campaign" });
  await form.getByLabel("Campaign code").fill(CODE);
  await form.getByLabel("Title", { exact: true }).fill("Alternator bracket recall");
  await form.getByLabel("Models").fill(MODEL);
  await form.getByLabel("Repairs from").fill(daysAgo(-30));
  await form.getByLabel("Repairs to").fill(daysAgo(30));
  await form.getByLabel("Fix: part number").fill("AL-3001");
  await form.getByLabel("Fix: quantity per unit").fill("1");
  await form.getByLabel("Fix: labor operation (optional)").fill("ALT-RR");
  await form.getByLabel("Fix: hours per unit").fill("1.60");
  await form.getByRole("button", { name: "Create" }).click();
  // Refused beside the field it names.
  await expect(form.getByLabel("Repairs to")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByText("must not be before valid_from")).toBeVisible();
  await expectAccessible(page);
  await form.getByLabel("Repairs from").fill(daysAgo(30));
  await form.getByLabel("Repairs to").fill(daysAgo(-30));
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.getByRole("status")).toHaveText(`${CODE} created.`);
  await expect(await campaignRow(page)).toContainText("0 of 3 · 0%");
  await expectAccessible(page);
  await screenshot(page, "admin-campaigns");

  // D001 files the campaign claim for one unit: only the fix.
  const claim = await d001
    .post<Claim>("inspection", "/claims", {
      unit_serial: first,
      campaign_code: CODE,
      failure_date: daysAgo(3),
      repair_date: daysAgo(2),
      usage_at_failure: 5_000,
      complaint: "Recall",
      cause: "Campaign",
      correction: "Bracket and alternator replaced",
      causal_part_number: "AL-3001",
      parts: [{ part_number: "AL-3001", qty: 1 }],
      labor: [{ operation_code: "ALT-RR", hours: "1.50" }],
    })
    .finally(() => d001.close());
  expect(claim.status).not.toBe("rejected");

  const lead = await (await browser.newContext()).newPage();
  await inEnglish(lead);
  await signIn(lead, "quality-lead", "/quality");
  await lead.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Service campaigns" }).click();
  const row = await campaignRow(lead);
  await expect(row).toContainText("1 of 3 · 33.3%");
  await row.getByRole("link", { name: CODE }).click();
  await expect(lead.getByRole("heading", { level: 1 })).toHaveText(`${CODE} · Alternator bracket recall`);
  await expect(lead.getByText("AL-3001 × 1")).toBeVisible();
  await expect(lead.getByText("ALT-RR, up to 1.6 h")).toBeVisible();
  const completion = lead.getByRole("table", { name: "Completion" });
  await expect(completion.getByRole("row", { name: /^D001/ })).toContainText("50%");
  await expect(completion.getByRole("row", { name: /^D002/ })).toContainText("0%");
  await expect(completion.getByRole("row", { name: /^All dealers/ })).toContainText("33.3%");
  const units = lead.getByRole("table", { name: "Affected units" });
  await expect(units.getByRole("row")).toHaveCount(4);
  await expect(units.getByRole("row", { name: new RegExp(first) })).toContainText(claim.number);
  await expect(units.getByRole("row", { name: new RegExp(second) })).toContainText("Not filed");
  await expect(units.getByRole("row", { name: new RegExp(theirs) })).toContainText("D002");
  await expectAccessible(lead);
  await screenshot(lead, "quality-campaign");
  await lead.context().close();

  // D002: its own unit and completion only.
  const dealer = await (await browser.newContext()).newPage();
  await inEnglish(dealer);
  await signIn(dealer, "dealer-d002");
  await dealer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Service campaigns" }).click();
  await expect(await campaignRow(dealer)).toContainText("0 of 1 · 0%");
  await (await campaignRow(dealer)).getByRole("link", { name: CODE }).click();
  const own = dealer.getByRole("table", { name: "Affected units" });
  await expect(own.getByRole("row")).toHaveCount(2);
  await expect(own).toContainText(theirs);
  await expect(own).not.toContainText(first);
  await expect(dealer.getByRole("table", { name: "Completion" }).getByRole("row", { name: /^D001/ })).toHaveCount(0);
  await expectAccessible(dealer);
  await dealer.context().close();

  // D001 files the campaign claim of its other unit from the campaign's page.
  const d1 = await (await browser.newContext()).newPage();
  await inEnglish(d1);
  await signIn(d1, "dealer-d001", `/campaigns/${CODE}`);
  await expect(d1.getByRole("link", { name: `File the campaign claim for ${first}` })).toHaveCount(0);
  await d1.getByRole("link", { name: `File the campaign claim for ${second}` }).click();
  await expect(d1.getByRole("heading", { name: "New claim" })).toBeVisible();
  await expect(d1.getByLabel("Unit", { exact: true })).toHaveValue(second);
  await expect(d1.getByLabel("Service campaign")).toHaveValue(CODE);
  await fillClaim(d1);
  await d1.getByRole("button", { name: "Preview price and checks" }).click();
  await expect(d1.getByText("Every check passes.")).toBeVisible();
  await expectAccessible(d1);
  await d1.getByRole("button", { name: "Submit claim" }).click();
  await expect(d1).toHaveURL(/\/claims\/[0-9a-f-]{36}$/);
  await d1.goto(`/campaigns/${CODE}`);
  await expect(d1.getByRole("table", { name: "Completion" }).getByRole("row", { name: /^D001/ })).toContainText("100%");
  await expect(d1.getByRole("table", { name: "Affected units" }).getByRole("row", { name: new RegExp(second) })).toContainText("WC-");
  await d1.context().close();
});
