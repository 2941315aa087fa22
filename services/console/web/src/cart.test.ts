import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

/** sessionStorage as a browser has it (length/key included). */
class MemoryStorage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  key(i: number) {
    return [...this.items.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
  keys() {
    return [...this.items.keys()];
  }
}

const line = { part_number: "AL-3001", description: "Alternator", qty: 2 };

describe("the cart", () => {
  let storage: MemoryStorage;
  beforeEach(() => {
    storage = new MemoryStorage();
    vi.stubGlobal("sessionStorage", storage);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("belongs to the person signed in", async () => {
    const { loadCart, saveCart } = await import("./cartStorage");
    saveCart("dealer-d001", [line]);
    expect(loadCart("dealer-d001")).toEqual([line]);
    expect(loadCart("dealer-d002")).toEqual([]);
    storage.setItem(storage.keys()[0] ?? "", "not json");
    expect(loadCart("dealer-d001")).toEqual([]);
  });

  it("is gone after signing out", async () => {
    // The sign-out form the page posts, as the DOM would build it.
    const posted: Array<{ method: string; action: string; fields: Record<string, string> }> = [];
    vi.stubGlobal("document", {
      createElement: (tag: string) => {
        const element = { tag, children: [] as Array<{ name: string; value: string }> } as Record<
          string,
          unknown
        > & { children: Array<{ name: string; value: string }> };
        element.append = (child: { name: string; value: string }) => element.children.push(child);
        element.submit = () =>
          posted.push({
            method: String(element.method),
            action: String(element.action),
            fields: Object.fromEntries(element.children.map((c) => [c.name, c.value])),
          });
        return element;
      },
      body: { append: () => undefined },
    });
    // A cart as any version of the console kept it, and one kept per person.
    storage.setItem("aftersales.console.cart", JSON.stringify([line]));
    const { saveCart } = await import("./cartStorage");
    saveCart("dealer-d001", [line]);
    storage.setItem("aftersales.console.reauth-at", "1");

    vi.stubGlobal("window", { location: { origin: "http://console.test", assign: vi.fn() } });
    const { setCsrfToken } = await import("./api/client");
    setCsrfToken("csrf-1");
    const { signOut } = await import("./auth/session");
    signOut();
    expect(posted).toEqual([
      { method: "post", action: "/auth/logout", fields: { csrf_token: "csrf-1" } },
    ]);
    expect(storage.keys()).toEqual(["aftersales.console.reauth-at"]);
  });
});
