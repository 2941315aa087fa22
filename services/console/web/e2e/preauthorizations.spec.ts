// Goodwill pre-authorizations: a dealer requests one for its unit (the service's
// refusals beside the fields; a double click sends one request), the quality lead
// approves it with a goodwill share and rejects another with a reason, each refusal
// beside its field; the dealer sees both decisions; an inspector is kept out.
import { expect, test, type Page } from "@playwright/test";
import { asUser, daysAgo, registerUnit } from "./flows";
import { expectAccessible, inEnglish, screenshot, signIn } from "./support";

type Preauthorization = { id: string; number: string; status: string };

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

test("a dealer requests goodwill; the quality lead approves one with a share and rejects another", async ({ browser, page }) => {
  const api = await asUser(browser, "dealer-d001");
  const serial = await registerUnit(api);
  const other = await registerUnit(api);
  const second = await api
    .post<Preauthorization>("inspection", "/preauthorizations", {
      unit_serial: other,
      causal_part_number: "WP-4001",
      description: "Water pump leaking, six months out of warranty",
      estimate_parts: "300.00",
      estimate_labor: "150.00",
    })
    .finally(() => api.close());

  await inEnglish(page);
  await signIn(page, "dealer-d001");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Goodwill requests" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Goodwill pre-authorizations" })).toBeVisible();
  await expectAccessible(page);

  // Refusals beside the fields they name: an estimate out of range, then a unit not the dealer's.
  await page.getByLabel("Unit serial").fill("NO-SUCH-UNIT");
  await page.getByLabel("Causal part number").fill("al-3001");
  await page.getByLabel("Estimated parts").fill("2000000000");
  await page.getByLabel("Estimated labor").fill("250.00");
  await page.getByLabel("Description").fill("Alternator failed after the warranty ended; loyal customer");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.locator("#preauth-parts-error")).toBeVisible();
  await expect(page.getByLabel("Estimated parts")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Estimated parts").fill("900.00");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.locator("#preauth-unit-error")).toBeVisible();
  await expect(page.getByLabel("Unit serial")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Estimated parts")).not.toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page);

  // A double click sends one request (one Idempotency-Key).
  const keys: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().endsWith("/preauthorizations")) keys.push(r.headers()["idempotency-key"] ?? "");
  });
  await page.getByLabel("Unit serial").fill(serial);
  await page.getByRole("button", { name: "Send request" }).dblclick();
  const notice = page.getByRole("status").filter({ hasText: "requested" });
  await expect(notice).toBeVisible();
  const number = (await notice.innerText()).match(/PA-\d+/)![0];
  expect(new Set(keys).size).toBe(1);
  const mine = page.getByRole("table", { name: "My requests" });
  const row = mine.getByRole("row").filter({ hasText: number });
  await expect(row).toContainText(serial);
  await expect(row).toContainText("AL-3001");
  await expect(row).toContainText("€1,150.00");
  await expect(row).toContainText("Requested");
  await expect(mine.getByRole("row").filter({ hasText: number })).toHaveCount(1);
  await expectAccessible(page);
  await screenshot(page, "dealer-preauthorizations");

  // The lead, in a session of their own.
  const lead = await (await browser.newContext()).newPage();
  await inEnglish(lead);
  await signIn(lead, "quality-lead", "/quality");
  await lead.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Goodwill requests" }).click();
  await expect(lead.getByRole("heading", { level: 1, name: "Goodwill pre-authorizations" })).toBeVisible();
  const request = lead.getByRole("region", { name: new RegExp(`^${number} · D001`) });
  await expect(request).toContainText("€900.00");
  await expect(request).toContainText("loyal customer");
  await expectAccessible(lead);
  await screenshot(lead, "quality-lead-preauthorizations");

  const share = request.getByLabel("Goodwill share (%)");
  await share.fill("150");
  await request.getByRole("button", { name: "Approve" }).click();
  await expect(share).toHaveAttribute("aria-invalid", "true");
  await expect(request.getByRole("alert")).toBeVisible();
  await share.fill("60");
  await request.getByLabel("Note (optional)").fill("Goodwill for a fleet customer");
  await request.getByRole("button", { name: "Approve" }).click();
  await expect(lead.getByRole("status").filter({ hasText: number })).toHaveText(`${number} approved at 60%.`);
  await expect(request).toHaveCount(0);

  const rejecting = lead.getByRole("region", { name: new RegExp(`^${second.number} · D001`) });
  await rejecting.getByRole("button", { name: "Reject" }).click();
  await expect(rejecting.getByLabel("Reason")).toHaveAttribute("aria-invalid", "true");
  await rejecting.getByLabel("Reason").fill("Outside the goodwill policy");
  await rejecting.getByRole("button", { name: "Reject" }).click();
  await expect(lead.getByRole("status").filter({ hasText: second.number })).toHaveText(`${second.number} rejected.`);
  await expect(rejecting).toHaveCount(0);

  // Decided ones, for reference: no forms any more.
  await lead.getByLabel("Show").selectOption("approved");
  const approved = lead.getByRole("region", { name: new RegExp(`^${number} · D001`) });
  await expect(approved).toContainText("60%");
  await expect(approved).toContainText("Goodwill for a fleet customer");
  await expect(approved.getByRole("button")).toHaveCount(0);
  await expectAccessible(lead);
  await lead.context().close();

  // The dealer sees both decisions.
  await page.reload();
  await expect(mine.getByRole("row").filter({ hasText: number })).toContainText("Approved");
  await expect(mine.getByRole("row").filter({ hasText: number })).toContainText("60%");
  const rejected = mine.getByRole("row").filter({ hasText: second.number });
  await expect(rejected).toContainText("Rejected");
  await expect(rejected).toContainText("Outside the goodwill policy");
});

test("the lead's queue is not for inspectors or dealers", async ({ page }) => {
  await inEnglish(page);
  await signIn(page, "quality");
  await page.goto("/quality/preauthorizations");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Goodwill requests" })).toHaveCount(0);
  await expectAccessible(page);
});

test("a dealer files a claim under its approved pre-authorization, covered at the goodwill share", async ({ browser, page }) => {
  const dealer = await asUser(browser, "dealer-d001");
  const lead = await asUser(browser, "quality-lead");
  const serial = await registerUnit(dealer);
  const approved = await dealer.post<Preauthorization>("inspection", "/preauthorizations", {
    unit_serial: serial,
    causal_part_number: "AL-3001",
    description: "Alternator, goodwill for a fleet customer",
    estimate_parts: "400.00",
    estimate_labor: "200.00",
  });
  await lead.post("inspection", `/preauthorizations/${approved.id}/approve`, { goodwill_pct: "50" });
  await Promise.all([dealer.close(), lead.close()]);

  await inEnglish(page);
  await signIn(page, "dealer-d001", "/preauthorizations");
  await page.getByRole("link", { name: `File the claim under ${approved.number}` }).click();
  await expect(page.getByRole("heading", { name: "New claim" })).toBeVisible();
  await expect(page.getByLabel("Unit", { exact: true })).toHaveValue(serial);
  await expect(page.getByLabel("Goodwill pre-authorization")).toHaveValue(approved.id);
  await fillClaim(page);
  await page.getByRole("button", { name: "Preview price and checks" }).click();
  await expect(page.getByText("Every check passes.")).toBeVisible();
  // Half of 310.00 + 127.50.
  await expect(page.getByRole("region", { name: "Preview" }).getByText("€218.75").first()).toBeVisible();
  await expectAccessible(page);
  const filed = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname.endsWith("/claims"));
  await page.getByRole("button", { name: "Submit claim" }).click();
  expect((await filed).postDataJSON().preauthorization_id).toBe(approved.id);
  await expect(page).toHaveURL(/\/claims\/[0-9a-f-]{36}$/);
});
