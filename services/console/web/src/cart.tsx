// The dealer's cart: part numbers and quantities, kept for this browser tab
// (sessionStorage) until the order is placed.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

export interface CartLine {
  part_number: string;
  description: string;
  qty: number;
}

interface Cart {
  lines: CartLine[];
  add(line: CartLine): void;
  setQty(partNumber: string, qty: number): void;
  remove(partNumber: string): void;
  clear(): void;
}

const KEY = "aftersales.console.cart";
const CartContext = createContext<Cart | null>(null);

function stored(): CartLine[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "[]");
    return Array.isArray(parsed) ? (parsed as CartLine[]) : [];
  } catch {
    return [];
  }
}

export function CartProvider({ children }: { children: ReactNode }) {
  const [lines, setLines] = useState<CartLine[]>(stored);
  useEffect(() => sessionStorage.setItem(KEY, JSON.stringify(lines)), [lines]);
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
