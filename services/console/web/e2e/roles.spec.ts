// Every demo user of the development provider signs in and sees the start page of
// their role, with the navigation that role has and nothing of the others'.
import { expect, test } from "@playwright/test";
import { expectAccessible, inEnglish, signIn } from "./support";

const USERS = [
  { username: "dealer-d001", role: "Dealer", nav: ["Part search", "Cart", "My orders", "My units", "New claim", "My claims"] },
  { username: "dealer-d002", role: "Dealer", nav: ["Part search", "Cart", "My orders", "My units", "New claim", "My claims"] },
  { username: "dealer-d003", role: "Dealer", nav: ["Part search", "Cart", "My orders", "My units", "New claim", "My claims"] },
  {
    username: "warehouse",
    role: "Warehouse",
    nav: ["Orders to ship", "Backorders", "Below reorder point", "Goods in & adjustments", "Cycle count", "Transfers", "Stock & ledger"],
  },
  { username: "quality", role: "Quality", nav: ["Work queues"] },
  { username: "quality-lead", role: "Quality lead", nav: ["Work queues", "Approvals", "Top failing parts"] },
  { username: "finance", role: "Finance", nav: ["Recovery worklist", "Recovery claims", "Credit memos", "Write-offs", "Reconciliation"] },
  { username: "admin", role: "Administrator", nav: ["Parts import", "Suppliers", "Warehouses", "Dealers", "Warranty policies", "Labor operations", "Supplier agreements"] },
];
// Every entry of any role: each user must see exactly its own.
const ALL_NAV = [...new Set(USERS.flatMap((u) => u.nav))];

for (const user of USERS) {
  test(`${user.username} signs in as ${user.role}`, async ({ page }) => {
    await inEnglish(page);
    await signIn(page, user.username);
    await expect(page.locator(".user")).toContainText(user.role);
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const label of ALL_NAV) {
      await expect(nav.getByRole("link", { name: label })).toHaveCount(user.nav.includes(label) ? 1 : 0);
    }
    await expectAccessible(page);
  });
}
