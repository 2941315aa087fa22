// The notification endpoints, the same in every service (the shared crate's
// `notify::api`, in each service's OpenAPI document): one typed client for the four,
// checked below to be the same paths in each document.
import type { Client } from "openapi-fetch";
import { catalog, inspection, orders, recovery } from "../api/client";
import type { paths as CatalogPaths } from "../api/schema/catalog";
import type { paths as InspectionPaths } from "../api/schema/inspection";
import type { paths as OrdersPaths } from "../api/schema/orders";
import type { paths as RecoveryPaths } from "../api/schema/recovery";
import type { components } from "../api/schema/orders";
import type { Service } from "./merge";

type NotifyPath =
  | "/api/v1/notifications"
  | "/api/v1/notifications/unread-count"
  | "/api/v1/notifications/read-all"
  | "/api/v1/notifications/{id}/read"
  | "/api/v1/notifications/topics"
  | "/api/v1/subscriptions"
  | "/api/v1/subscriptions/{id}";
type NotifyPaths = Pick<OrdersPaths, NotifyPath>;

// A service whose document differs from orders' for these paths fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameEverywhere: [
  Same<Pick<CatalogPaths, NotifyPath>, NotifyPaths>,
  Same<Pick<InspectionPaths, NotifyPath>, NotifyPaths>,
  Same<Pick<RecoveryPaths, NotifyPath>, NotifyPaths>,
] = [true, true, true];
void sameEverywhere;

export const notify = { orders, inspection, recovery, catalog } as unknown as Record<Service, Client<NotifyPaths>>;

export type Topic = components["schemas"]["TopicView"];
export type Subscription = components["schemas"]["SubscriptionView"];

type Answer = { data?: unknown; error?: unknown; response: Response };

/** A 204 answer reads as done (`useAction` wants data to call it a success). */
export function done<A extends Answer>(answer: A): { data?: true; error?: unknown; response: Response } {
  return answer.response.ok ? { data: true, response: answer.response } : { error: answer.error, response: answer.response };
}
