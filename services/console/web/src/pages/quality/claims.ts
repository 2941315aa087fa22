// Quality's reading of a claim: how long it has waited, whether its part is overdue,
// and whether its total is above the approval limit (decimal strings compared exactly).
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

/** -1, 0 or 1 as decimal string `a` is below, equal to or above `b` ("1000.5" vs "1000.50"). */
export function compareDecimal(a: string, b: string): number {
  const parse = (s: string) => {
    const negative = s.trim().startsWith("-");
    const [whole = "0", fraction = ""] = s.trim().replace(/^[-+]/, "").split(".");
    return { negative, whole: whole.replace(/^0+(?=\d)/, ""), fraction };
  };
  const x = parse(a);
  const y = parse(b);
  const digits = Math.max(x.fraction.length, y.fraction.length);
  const scaled = (p: { negative: boolean; whole: string; fraction: string }) =>
    (p.negative ? -1n : 1n) * BigInt(p.whole + p.fraction.padEnd(digits, "0"));
  const d = scaled(x) - scaled(y);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** The claimed total is more than an inspector may approve: the quality lead decides. */
export function aboveLimit(claim: Claim, limit: string): boolean {
  return compareDecimal(claim.amounts.total, limit) > 0;
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
