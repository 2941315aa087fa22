// The finance screens (supplier recovery): the worklist of open recovery lines,
// recovery claims, credit memos, write-offs, reconciliation and aging. Admins may open them too
// (the recovery service lets them); their navigation is the admin area's.
import type { Role } from "../auth/session";
import { lazyPages, type Area } from "./area";

const FINANCE: Role[] = ["finance", "admin"];
const page = lazyPages(() => import("./finance.pages"));

export const finance: Area = {
  pages: [
    { path: "/finance/worklist", roles: FINANCE, element: page("WorklistPage") },
    { path: "/finance/claims", roles: FINANCE, element: page("ClaimsPage") },
    { path: "/finance/claims/:id", roles: FINANCE, element: page("ClaimPage") },
    { path: "/finance/credit-memos", roles: FINANCE, element: page("CreditMemosPage") },
    { path: "/finance/write-offs", roles: FINANCE, element: page("WriteOffsPage") },
    { path: "/finance/reports", roles: FINANCE, element: page("ReportsPage") },
  ],
  navigation: {
    finance: [
      { to: "/finance/worklist", label: "nav.recoveryWorklist" },
      { to: "/finance/claims", label: "nav.recoveryClaims" },
      { to: "/finance/credit-memos", label: "nav.creditMemos" },
      { to: "/finance/write-offs", label: "nav.writeOffs" },
      { to: "/finance/reports", label: "nav.reconciliation" },
    ],
  },
};
