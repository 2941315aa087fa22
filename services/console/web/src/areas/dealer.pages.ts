// The dealer pages, one chunk of the app: `areas/dealer.tsx` loads it the first
// time one of them opens.
export { CampaignPage, CampaignsPage } from "../pages/campaigns/Campaigns";
export { CartPage } from "../pages/Cart";
export { ClaimPage, ClaimsPage } from "../pages/claims/Claims";
export { ClaimWizardPage } from "../pages/claims/ClaimWizard";
export { UnitsPage } from "../pages/claims/Units";
export { OrderPage, OrdersPage } from "../pages/Orders";
export { PartsPage } from "../pages/Parts";
export { PreauthorizationsPage } from "../pages/claims/Preauthorizations";
export { DealerScorecardsPage } from "../pages/quality/DealerScorecards";
