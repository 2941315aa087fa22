// The finance pages, one chunk of the app: `areas/finance.tsx` loads it the first
// time one of them opens.
export { ClaimPage, ClaimsPage } from "../pages/finance/Claims";
export { CreditMemosPage } from "../pages/finance/CreditMemos";
export { ReportsPage } from "../pages/finance/Reports";
export { WorklistPage } from "../pages/finance/Worklist";
export { WriteOffsPage } from "../pages/finance/WriteOffs";
