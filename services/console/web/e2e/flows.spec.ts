// The set-up flows other tests build on, checked once end to end through the gateway:
// a dealer's claim, inspected and approved, becomes a recovery line for finance.
import { expect, test } from "@playwright/test";
import type { components as Recovery } from "../src/api/schema/recovery";
import { approve, asUser, fileClaim, inspect } from "./flows";

type Lines = { items: Recovery["schemas"]["LineView"][] };

test("a claim filed, inspected as a supplier defect and approved reaches finance", async ({ browser }) => {
  const dealer = await asUser(browser, "dealer-d001");
  const quality = await asUser(browser, "quality");
  const finance = await asUser(browser, "finance");
  try {
    const claim = await fileClaim(dealer, { part: "WP-4001", operation: "WP-RR", hours: "1.00" });
    expect(claim.status).toBe("awaiting_part");
    expect((await inspect(quality, claim.id)).status).toBe("under_inspection");
    expect((await approve(quality, claim.id)).status).toBe("approved");
    const lines = () =>
      finance.get<Lines>("recovery", `/recovery-lines?claim_number=${encodeURIComponent(claim.number)}`);
    await expect.poll(async () => (await lines()).items.map((l) => [l.supplier_code, l.status])).toEqual([
      ["VALEO", "open"],
    ]);
  } finally {
    await Promise.all([dealer.close(), quality.close(), finance.close()]);
  }
});
