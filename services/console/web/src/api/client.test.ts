import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// client.ts reads `window` when it loads, so each test stubs the browser first and
// then loads a fresh copy of the module.
function stubBrowser() {
  const assign = vi.fn();
  const stored = new Map<string, string>();
  vi.stubGlobal("window", {
    location: { origin: "http://console.test", pathname: "/orders", search: "?page=2", assign },
  });
  vi.stubGlobal("sessionStorage", {
    getItem: (k: string) => stored.get(k) ?? null,
    setItem: (k: string, v: string) => void stored.set(k, v),
  });
  return { assign, stored };
}

async function freshClient() {
  vi.resetModules();
  return import("./client");
}

describe("a 401 from the console", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("signs in again, coming back to the page", async () => {
    const { assign } = stubBrowser();
    const { reauthenticate } = await freshClient();
    reauthenticate();
    expect(assign.mock.calls).toEqual([["/auth/login?return_to=%2Forders%3Fpage%3D2"]]);
  });

  it("several at once: one sign-in, not a refusal page", async () => {
    const { assign } = stubBrowser();
    const { reauthenticate } = await freshClient();
    reauthenticate();
    reauthenticate();
    reauthenticate();
    expect(assign.mock.calls).toEqual([["/auth/login?return_to=%2Forders%3Fpage%3D2"]]);
  });

  it("again right after a sign-in: the service refuses this session", async () => {
    const { assign, stored } = stubBrowser();
    // The page loaded again after the sign-in the previous 401 started.
    stored.set("aftersales.console.reauth-at", String(Date.now() - 5_000));
    const { reauthenticate } = await freshClient();
    reauthenticate();
    reauthenticate();
    expect(assign.mock.calls).toEqual([["/signed-out?error=refused_by_service"]]);
  });
});
