// The quality screens: work queues and the claim page (quality and quality_lead), the
// approvals queue and the top failing parts (quality_lead).
import { ApprovalsPage } from "../pages/quality/Approvals";
import { ClaimPage } from "../pages/quality/Claim";
import { QueuesPage } from "../pages/quality/Queues";
import { TopFailingPartsPage } from "../pages/quality/TopFailingParts";
import type { Area } from "./area";

const queues = { to: "/quality", label: "nav.qualityQueues" };

export const quality: Area = {
  pages: [
    { path: "/quality", roles: ["quality", "quality_lead"], element: <QueuesPage /> },
    { path: "/quality/claims/:id", roles: ["quality", "quality_lead"], element: <ClaimPage /> },
    { path: "/quality/approvals", roles: ["quality_lead"], element: <ApprovalsPage /> },
    { path: "/quality/top-failing-parts", roles: ["quality_lead"], element: <TopFailingPartsPage /> },
  ],
  navigation: {
    quality: [queues],
    quality_lead: [
      queues,
      { to: "/quality/approvals", label: "nav.qualityApprovals" },
      { to: "/quality/top-failing-parts", label: "nav.qualityTopFailing" },
    ],
  },
};
