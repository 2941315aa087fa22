// What one area of the console adds: its pages (each behind the roles that may use
// it) and its entries in each role's navigation. `areas/index.ts` lists the areas.
import type { ReactNode } from "react";
import type { Role } from "../auth/session";

export type Page = { path: string; roles: Role[]; element: ReactNode };
export type NavItem = { to: string; label: string };

export type Area = {
  pages: Page[];
  navigation: Partial<Record<Role, NavItem[]>>;
};
