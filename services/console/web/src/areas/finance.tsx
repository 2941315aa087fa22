// The finance screens (supplier recovery): the worklist of open recovery lines,
// recovery claims, credit memos, write-offs, reconciliation and aging. Admins may open them too
// (the recovery service lets them); their navigation is the admin area's.
import { ClaimPage, ClaimsPage } from "../pages/finance/Claims";
import { CreditMemosPage } from "../pages/finance/CreditMemos";
import { ReportsPage } from "../pages/finance/Reports";
import { WorklistPage } from "../pages/finance/Worklist";
import { WriteOffsPage } from "../pages/finance/WriteOffs";
import type { Role } from "../auth/session";
import type { Area } from "./area";

const FINANCE: Role[] = ["finance", "admin"];

export const finance: Area = {
  pages: [
    { path: "/finance/worklist", roles: FINANCE, element: <WorklistPage /> },
    { path: "/finance/claims", roles: FINANCE, element: <ClaimsPage /> },
    { path: "/finance/claims/:id", roles: FINANCE, element: <ClaimPage /> },
    { path: "/finance/credit-memos", roles: FINANCE, element: <CreditMemosPage /> },
    { path: "/finance/write-offs", roles: FINANCE, element: <WriteOffsPage /> },
    { path: "/finance/reports", roles: FINANCE, element: <ReportsPage /> },
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
