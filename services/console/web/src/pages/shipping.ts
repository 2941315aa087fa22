// The warehouse's shipping order, apart from the page so it is tested without a browser.
import type { components } from "../api/schema/orders";

type Order = components["schemas"]["OrderView"];

/** Emergency before stock, then the oldest first. */
export function shippingOrder(a: Order, b: Order): number {
  const rank = (o: Order) => (o.priority === "emergency" ? 0 : 1);
  return rank(a) - rank(b) || a.placed_at.localeCompare(b.placed_at);
}
