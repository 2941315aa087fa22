// The administrator's screens: master data (parts import, suppliers, warehouses,
// dealers and their tiers' discounts, warranty policies, labor operations, supplier
// agreements); service campaigns (recording them is the admin's), inspectors' approval
// limits and the dealer scorecards (every dealer).
import { lazyPages, type Area } from "./area";

const page = lazyPages(() => import("./admin.pages"));

const ADMIN = ["admin" as const];

export const admin: Area = {
  pages: [
    { path: "/admin/parts", roles: ADMIN, element: page("PartsImportPage") },
    { path: "/admin/suppliers", roles: ADMIN, element: page("SuppliersPage") },
    { path: "/admin/warehouses", roles: ADMIN, element: page("WarehousesPage") },
    { path: "/admin/dealers", roles: ADMIN, element: page("DealersPage") },
    { path: "/admin/tier-discounts", roles: ADMIN, element: page("TierDiscountsPage") },
    { path: "/admin/policies", roles: ADMIN, element: page("PoliciesPage") },
    { path: "/admin/labor-operations", roles: ADMIN, element: page("LaborOperationsPage") },
    { path: "/admin/agreements", roles: ADMIN, element: page("AgreementsPage") },
    { path: "/admin/approval-limits", roles: ADMIN, element: page("ApprovalLimitsPage") },
    { path: "/admin/campaigns", roles: ADMIN, element: page("CampaignsPage") },
    { path: "/admin/campaigns/:code", roles: ADMIN, element: page("CampaignPage") },
    { path: "/admin/dealer-scorecards", roles: ADMIN, element: page("DealerScorecardsPage") },
  ],
  navigation: {
    admin: [
      { to: "/admin/parts", label: "nav.adminParts" },
      { to: "/admin/suppliers", label: "nav.suppliers" },
      { to: "/admin/warehouses", label: "nav.warehouses" },
      { to: "/admin/dealers", label: "nav.dealers" },
      { to: "/admin/tier-discounts", label: "nav.tierDiscounts" },
      { to: "/admin/policies", label: "nav.policies" },
      { to: "/admin/labor-operations", label: "nav.laborOperations" },
      { to: "/admin/agreements", label: "nav.agreements" },
      { to: "/admin/approval-limits", label: "nav.approvalLimits" },
      { to: "/admin/campaigns", label: "nav.campaigns" },
      { to: "/admin/dealer-scorecards", label: "nav.dealerScorecards" },
    ],
  },
};
