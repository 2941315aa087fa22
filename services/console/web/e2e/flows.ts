// Test set-up through the console's gateway, as a signed-in demo user: the data a
// screen under test needs (a registered unit, a filed claim, an inspected part…)
// made by the same API calls the other roles' screens make, so a test of one role's
// screen does not depend on another test having run first.
import { expect, type APIRequestContext, type Browser } from "@playwright/test";
import type { components as Inspection } from "../src/api/schema/inspection";
import type { components as Recovery } from "../src/api/schema/recovery";
import { PASSWORD } from "./support";

export type Claim = Inspection["schemas"]["ClaimView"];

/** A demo user's session: JSON calls to `/api/<service>/v1/…` with its cookie and CSRF token. */
export type Api = {
  get<T = unknown>(service: string, path: string): Promise<T>;
  post<T = unknown>(service: string, path: string, body: unknown): Promise<T>;
  close(): Promise<void>;
};

/** Signs `username` in, in a browser context of its own, and returns its API. */
export async function asUser(browser: Browser, username: string): Promise<Api> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/auth/login?return_to=%2F");
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((url) => !url.pathname.startsWith("/interaction"));
  const request: APIRequestContext = context.request;
  const me = await request.get("/auth/me");
  expect(me.ok(), `${username} is signed in`).toBeTruthy();
  const csrf = ((await me.json()) as { csrf_token: string }).csrf_token;
  const call = async <T>(method: "GET" | "POST", service: string, path: string, body?: unknown) => {
    const response = await request.fetch(`/api/${service}/v1${path}`, {
      method,
      headers: method === "POST" ? { "X-CSRF-Token": csrf, "Idempotency-Key": crypto.randomUUID() } : {},
      data: body,
    });
    expect(response.ok(), `${method} ${service}${path} as ${username}: ${await response.text()}`).toBeTruthy();
    return (await response.json()) as T;
  };
  return {
    get: (service, path) => call("GET", service, path),
    post: (service, path, body) => call("POST", service, path, body),
    close: () => context.close(),
  };
}

/** A serial no other test uses. */
export function uniqueSerial(prefix = "VIN"): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.toUpperCase();
}

/** The calendar date `days` before today (UTC), as the services read dates. */
export function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/** Registers a unit for the signed-in dealer, in service a year ago. */
export async function registerUnit(dealer: Api, serial = uniqueSerial()): Promise<string> {
  await dealer.post("inspection", "/units", {
    serial,
    model: "Demo truck",
    in_service_date: daysAgo(365),
    usage_at_sale: 10,
    usage_unit: "km",
  });
  return serial;
}

/** Files a claim for a new unit of the dealer: the demo part `part` failed last week,
 *  replaced (`qty` of it: 4 × AL-3001 is above the demo approval limit of 1000.00)
 *  with one labor operation. */
export async function fileClaim(
  dealer: Api,
  { part = "AL-3001", qty = 1, operation = "ALT-RR", hours = "1.50" } = {},
): Promise<Claim> {
  const serial = await registerUnit(dealer);
  return dealer.post<Claim>("inspection", "/claims", {
    unit_serial: serial,
    failure_date: daysAgo(7),
    repair_date: daysAgo(6),
    usage_at_failure: 20_000,
    complaint: "Battery warning light on",
    cause: "Alternator does not charge",
    correction: "Alternator replaced",
    causal_part_number: part,
    parts: [{ part_number: part, qty }],
    labor: [{ operation_code: operation, hours }],
  });
}

/** Quality receives the claim's part at `warehouse` and records a finding of `cause`. */
export async function inspect(
  quality: Api,
  claimId: string,
  cause: Inspection["schemas"]["CauseCode"] = "supplier_defect",
  warehouse = "WH1",
): Promise<Claim> {
  await quality.post("inspection", `/claims/${claimId}/part-receipt`, { warehouse, quantity: 1 });
  return quality.post<Claim>("inspection", `/claims/${claimId}/findings`, {
    failure_mode: "No charging output",
    cause_code: cause,
  });
}

/** Quality (or the lead, above the limit) approves the claim in full. */
export async function approve(inspector: Api, claimId: string): Promise<Claim> {
  return inspector.post<Claim>("inspection", `/claims/${claimId}/decision`, { decision: "approved" });
}

export type RecoveryLine = Recovery["schemas"]["LineView"];

/** A dealer's claim for the demo part `part` (Valeo's water pump by default), inspected
 *  as a supplier defect and approved by quality, until its recovery line is open for
 *  finance (recovery reads inspection's event within seconds). */
export async function openRecoveryLine(
  browser: Browser,
  { part = "WP-4001", operation = "WP-RR", hours = "1.00" } = {},
): Promise<RecoveryLine> {
  const dealer = await asUser(browser, "dealer-d001");
  const quality = await asUser(browser, "quality");
  const finance = await asUser(browser, "finance");
  try {
    const claim = await fileClaim(dealer, { part, operation, hours });
    await inspect(quality, claim.id);
    await approve(quality, claim.id);
    const query = `/recovery-lines?claim_number=${encodeURIComponent(claim.number)}`;
    let line: RecoveryLine | undefined;
    await expect
      .poll(async () => {
        line = (await finance.get<{ items: RecoveryLine[] }>("recovery", query)).items[0];
        return line?.status;
      })
      .toBe("open");
    return line!;
  } finally {
    await Promise.all([dealer.close(), quality.close(), finance.close()]);
  }
}
