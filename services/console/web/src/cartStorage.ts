// Where the dealer's cart is kept: this browser tab's sessionStorage, one entry per
// person (their `sub`), so a cart never passes to whoever signs in next in the tab;
// signing out removes every cart.

export interface CartLine {
  part_number: string;
  description: string;
  qty: number;
}

// Also the whole key of the carts kept before they were per person: sign-out
// removes those too.
const PREFIX = "aftersales.console.cart";

function keyFor(sub: string): string {
  return `${PREFIX}:${sub}`;
}

export function loadCart(sub: string): CartLine[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(keyFor(sub)) ?? "[]");
    return Array.isArray(parsed) ? (parsed as CartLine[]) : [];
  } catch {
    return [];
  }
}

export function saveCart(sub: string, lines: CartLine[]): void {
  sessionStorage.setItem(keyFor(sub), JSON.stringify(lines));
}

export function clearCarts(): void {
  const keys: string[] = [];
  for (let i = 0; i < sessionStorage.length; i++) {
    const key = sessionStorage.key(i);
    if (key === PREFIX || key?.startsWith(`${PREFIX}:`)) keys.push(key);
  }
  for (const key of keys) sessionStorage.removeItem(key);
}
