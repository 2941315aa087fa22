// What one area of the console adds: its pages (each behind the roles that may use
// it) and its entries in each role's navigation. `areas/index.ts` lists the areas.
import { createElement, lazy, type ComponentType, type ReactNode } from "react";
import type { Role } from "../auth/session";

export type Page = { path: string; roles: Role[]; element: ReactNode };
export type NavItem = { to: string; label: string };

export type Area = {
  pages: Page[];
  navigation: Partial<Record<Role, NavItem[]>>;
};

/** A page of an area whose modules load the first time one of its pages opens: an area
 *  is one chunk of the app (`load` imports the area's page list), so a dealer never
 *  downloads the finance screens, nor Chart.js before a dashboard shows. */
export function lazyPages<M extends Record<string, ComponentType>>(load: () => Promise<M>) {
  return (name: keyof M & string): ReactNode =>
    createElement(lazy(async () => ({ default: (await loadOrReload(load))[name]! })));
}

const RELOADED = "console.reloaded-for-new-version";

/** `load()`; if it fails (a new version was deployed and this page's chunks are gone),
 *  the page reloads once to get the new version. A second failure is thrown to
 *  `LoadBoundary`, which says so. */
async function loadOrReload<M>(load: () => Promise<M>): Promise<M> {
  try {
    const loaded = await load();
    sessionStorage.removeItem(RELOADED);
    return loaded;
  } catch (error) {
    if (sessionStorage.getItem(RELOADED)) throw error;
    sessionStorage.setItem(RELOADED, "1");
    window.location.reload();
    return new Promise<M>(() => {});
  }
}
