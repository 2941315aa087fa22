// The admin pages, one chunk of the app: `areas/admin.tsx` loads it the first
// time one of them opens.
export { AgreementsPage } from "../pages/admin/Agreements";
export { ApprovalLimitsPage } from "../pages/quality/ApprovalLimits";
export { CampaignPage, CampaignsPage } from "../pages/campaigns/Campaigns";
export { DealerScorecardsPage } from "../pages/quality/DealerScorecards";
export { DealersPage } from "../pages/admin/Dealers";
export { LaborOperationsPage } from "../pages/admin/LaborOperations";
export { PartsImportPage } from "../pages/admin/PartsImport";
export { PoliciesPage } from "../pages/admin/Policies";
export { SuppliersPage } from "../pages/admin/Suppliers";
export { TierDiscountsPage } from "../pages/admin/TierDiscounts";
export { WarehousesPage } from "../pages/admin/Warehouses";
