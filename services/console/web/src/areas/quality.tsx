// The quality screens: work queues and the claim page (quality and quality_lead), the
// approvals queue, inspectors' approval limits, the top failing parts and the goodwill pre-authorizations
// (quality_lead); service campaigns and the dealer scorecards (both; dealers and admins
// open them from their own areas).
import { lazyPages, type Area } from "./area";

const page = lazyPages(() => import("./quality.pages"));

const queues = { to: "/quality", label: "nav.qualityQueues" };
const campaigns = { to: "/quality/campaigns", label: "nav.campaigns" };
const scorecards = { to: "/quality/dealer-scorecards", label: "nav.dealerScorecards" };

export const quality: Area = {
  pages: [
    { path: "/quality", roles: ["quality", "quality_lead"], element: page("QueuesPage") },
    { path: "/quality/claims/:id", roles: ["quality", "quality_lead"], element: page("ClaimPage") },
    { path: "/quality/approvals", roles: ["quality_lead"], element: page("ApprovalsPage") },
    { path: "/quality/approval-limits", roles: ["quality_lead"], element: page("ApprovalLimitsPage") },
    { path: "/quality/top-failing-parts", roles: ["quality_lead"], element: page("TopFailingPartsPage") },
    { path: "/quality/preauthorizations", roles: ["quality_lead"], element: page("PreauthorizationQueuePage") },
    { path: "/quality/campaigns", roles: ["quality", "quality_lead"], element: page("CampaignsPage") },
    { path: "/quality/campaigns/:code", roles: ["quality", "quality_lead"], element: page("CampaignPage") },
    { path: "/quality/dealer-scorecards", roles: ["quality", "quality_lead"], element: page("DealerScorecardsPage") },
  ],
  navigation: {
    quality: [queues, campaigns, scorecards],
    quality_lead: [
      queues,
      { to: "/quality/approvals", label: "nav.qualityApprovals" },
      { to: "/quality/approval-limits", label: "nav.approvalLimits" },
      { to: "/quality/top-failing-parts", label: "nav.qualityTopFailing" },
      { to: "/quality/preauthorizations", label: "nav.qualityPreauthorizations" },
      campaigns,
      scorecards,
    ],
  },
};
