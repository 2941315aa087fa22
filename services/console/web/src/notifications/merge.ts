// The pure part of the console's notifications: each of the four services keeps the
// signed-in user's notifications of its own topics (docs/notifications.md); the
// console sums their unread counts, merges their lists newest first, and links a
// notification to the console's page of what it is about.
import type { Role } from "../auth/session";

export const SERVICES = ["orders", "inspection", "recovery", "catalog"] as const;
export type Service = (typeof SERVICES)[number];

/** A notification as every service answers it (`NotificationView`). */
export type Notification = {
  id: number;
  message_id: string;
  topic: string;
  summary: string;
  dealer_code?: string | null;
  entity_type: string;
  entity_id: string;
  data: Record<string, unknown>;
  created_at: string;
  read_at?: string | null;
};

/** A notification with the service it came from: its id is that service's. */
export type Listed = Notification & { service: Service };

/** What one service answered: a value, or that it failed. */
export type PerService<T> = Partial<Record<Service, { ok: true; value: T } | { ok: false }>>;

/** The unread count over the services that answered, and whether some did not (the
 *  count is then a lower bound: a failure of one service hides none of the others). */
export function sumUnread(counts: PerService<number>): { unread: number; complete: boolean; answered: number } {
  let unread = 0;
  let answered = 0;
  let complete = true;
  for (const service of SERVICES) {
    const c = counts[service];
    if (c?.ok) {
      unread += c.value;
      answered += 1;
    } else {
      complete = false;
    }
  }
  return { unread, complete, answered };
}

/** One service's pages loaded so far. */
export type Pages = { items: Notification[]; next_cursor?: string | null };

/** Newest first across services; equal moments in a fixed order (service, then the
 *  service's id, newest first). */
export function newestFirst(a: Listed, b: Listed): number {
  const ta = Date.parse(a.created_at);
  const tb = Date.parse(b.created_at);
  if (ta !== tb) return tb - ta;
  if (a.service !== b.service) return SERVICES.indexOf(a.service) - SERVICES.indexOf(b.service);
  return b.id - a.id;
}

/** The services' lists merged newest first, as far as it is known to be complete: a
 *  service with more pages may still hold notifications older than its last loaded
 *  one but newer than another service's, so the merged list stops at the newest of
 *  those services' last loaded moments (`more`: a next page of some service exists). */
export function mergeLists(lists: Partial<Record<Service, Pages>>): { items: Listed[]; more: boolean } {
  const all: Listed[] = [];
  let boundary = Number.NEGATIVE_INFINITY;
  let more = false;
  for (const service of SERVICES) {
    const list = lists[service];
    if (!list) continue;
    for (const n of list.items) all.push({ ...n, service });
    if (list.next_cursor) {
      more = true;
      const oldest = Math.min(...list.items.map((n) => Date.parse(n.created_at)));
      if (Number.isFinite(oldest)) boundary = Math.max(boundary, oldest);
    }
  }
  all.sort(newestFirst);
  return { items: all.filter((n) => Date.parse(n.created_at) >= boundary), more };
}

/** The console's page of what a notification is about, for `role`, or none where the
 *  console has no page for it (or none this role may open). */
export function entityLink(role: Role, n: Pick<Listed, "service" | "entity_type" | "entity_id" | "data">): string | null {
  const id = encodeURIComponent(n.entity_id);
  const text = (key: string) => (typeof n.data?.[key] === "string" ? (n.data[key] as string) : null);
  switch (n.entity_type) {
    case "order":
      return role === "dealer" ? `/orders/${id}` : null;
    case "claim":
      if (role === "dealer") return `/claims/${id}`;
      if (role === "quality" || role === "quality_lead") return `/quality/claims/${id}`;
      return null;
    case "recovery_claim":
      return role === "finance" || role === "admin" ? `/finance/claims/${id}` : null;
    case "recovery_line":
      return role === "finance" || role === "admin" ? "/finance/worklist" : null;
    case "purchase_order":
      return role === "warehouse" || role === "admin" ? `/warehouse/purchase-orders/${id}` : null;
    case "stock_level":
    case "part": {
      if (role !== "warehouse" && role !== "admin") return null;
      const part = text("part_number") ?? (n.entity_type === "part" ? n.entity_id : null);
      const warehouse = text("warehouse");
      if (!part) return "/warehouse/reorder";
      const query = new URLSearchParams(warehouse ? { warehouse, part } : { part });
      return `/warehouse/stock?${query.toString()}`;
    }
    default:
      return null;
  }
}

/** A subscription as the console needs it (`SubscriptionView`). */
export type Sub = { id: string; topics: string[]; url?: string | null; dealer_code?: string | null };

/** The console-only subscriptions (no webhook URL) that hold `topic`. */
export function consoleHolds(subs: Sub[], topic: string): boolean {
  return subs.some((s) => !s.url && s.topics.includes(topic));
}

/** What turning `topic` on or off in the console asks of the service: subscriptions
 *  to create (`add`, before anything is removed, so a failure loses nothing) and ones
 *  to delete. Off ends every console-only subscription holding it and makes one with
 *  the rest of its topics; webhook subscriptions are left alone. */
export function topicChange(
  subs: Sub[],
  topic: string,
  on: boolean,
): { add: { topics: string[]; dealer_code?: string }[]; remove: string[] } {
  if (on) return consoleHolds(subs, topic) ? { add: [], remove: [] } : { add: [{ topics: [topic] }], remove: [] };
  const holding = subs.filter((s) => !s.url && s.topics.includes(topic));
  return {
    add: holding
      .map((s) => ({ topics: s.topics.filter((x) => x !== topic), ...(s.dealer_code ? { dealer_code: s.dealer_code } : {}) }))
      .filter((s) => s.topics.length > 0),
    remove: holding.map((s) => s.id),
  };
}
