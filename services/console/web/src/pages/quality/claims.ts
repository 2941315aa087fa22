// Quality's reading of a claim: how long it has waited, whether its part is overdue,
// and what can be done with it next (whether it is above the approval limit is the
// service's answer, `above_approval_limit`).
import type { components } from "../../api/schema/inspection";

export type Claim = components["schemas"]["ClaimView"];
export type ClaimStatus = components["schemas"]["ClaimStatus"];

const DAY = 86_400_000;

/** Whole days from `since` to `now` (0 on the day itself). */
export function ageInDays(since: string, now: Date = new Date()): number {
  return Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / DAY));
}

/** Since when the claim has waited in its queue: the part's arrival once received. */
export function waitingSince(claim: Claim): string {
  return claim.receipt?.received_at ?? claim.submitted_at;
}

/** A part still awaited after its return deadline. */
export function isOverdue(claim: Claim, now: Date = new Date()): boolean {
  return (
    claim.status === "awaiting_part" &&
    !!claim.return_deadline &&
    new Date(claim.return_deadline).getTime() < now.getTime()
  );
}

/** What quality can do next with a claim, in the order the process allows. */
export type Step = "receive" | "findings" | "decide" | "dispose" | "none";

export function nextSteps(claim: Claim): Step[] {
  switch (claim.status) {
    case "awaiting_part":
      return ["receive"];
    case "submitted":
    case "part_received":
      return ["findings"];
    case "under_inspection":
      // Findings may still be amended before the decision.
      return ["findings", "decide"];
    case "approved":
    case "partially_approved":
    case "rejected":
      return claim.receipt && !claim.disposition ? ["dispose"] : ["none"];
    default:
      return ["none"];
  }
}
