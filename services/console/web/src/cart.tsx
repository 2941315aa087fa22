// The dealer's cart: part numbers and quantities, kept for this browser tab and the
// person signed in (see cartStorage.ts) until the order is placed.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useSession } from "./auth/session";
import { loadCart, saveCart, type CartLine } from "./cartStorage";

export type { CartLine };

interface Cart {
  lines: CartLine[];
  add(line: CartLine): void;
  setQty(partNumber: string, qty: number): void;
  remove(partNumber: string): void;
  clear(): void;
}

const CartContext = createContext<Cart | null>(null);

export function CartProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const owner = session.kind === "signed-in" ? session.me.sub : null;
  const [lines, setLines] = useState<CartLine[]>(() => (owner ? loadCart(owner) : []));
  const [loadedFor, setLoadedFor] = useState(owner);
  if (loadedFor !== owner) {
    // Someone else (or no one) is signed in now: their cart, not the last one's.
    setLoadedFor(owner);
    setLines(owner ? loadCart(owner) : []);
  }
  useEffect(() => {
    if (owner && loadedFor === owner) saveCart(owner, lines);
  }, [owner, loadedFor, lines]);
  const cart = useMemo<Cart>(
    () => ({
      lines,
      add: (line) =>
        setLines((ls) =>
          ls.some((l) => l.part_number === line.part_number)
            ? ls.map((l) => (l.part_number === line.part_number ? { ...l, qty: l.qty + line.qty } : l))
            : [...ls, line],
        ),
      setQty: (p, qty) => setLines((ls) => ls.map((l) => (l.part_number === p ? { ...l, qty } : l))),
      remove: (p) => setLines((ls) => ls.filter((l) => l.part_number !== p)),
      clear: () => setLines([]),
    }),
    [lines],
  );
  return <CartContext.Provider value={cart}>{children}</CartContext.Provider>;
}

export function useCart(): Cart {
  const cart = useContext(CartContext);
  if (!cart) throw new Error("useCart outside CartProvider");
  return cart;
}
