// The quality pages, one chunk of the app: `areas/quality.tsx` loads it the first
// time one of them opens.
export { ApprovalLimitsPage } from "../pages/quality/ApprovalLimits";
export { ApprovalsPage } from "../pages/quality/Approvals";
export { CampaignPage, CampaignsPage } from "../pages/campaigns/Campaigns";
export { ClaimPage } from "../pages/quality/Claim";
export { DealerScorecardsPage } from "../pages/quality/DealerScorecards";
export { PreauthorizationQueuePage } from "../pages/quality/Preauthorizations";
export { QueuesPage } from "../pages/quality/Queues";
export { TopFailingPartsPage } from "../pages/quality/TopFailingParts";
