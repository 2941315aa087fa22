// Every area of the console, in the order their entries appear in a role's navigation.
import type { Role } from "../auth/session";
import { admin } from "./admin";
import type { Area, NavItem, Page } from "./area";
import { dealer } from "./dealer";
import { finance } from "./finance";
import { notifications } from "./notifications";
import { quality } from "./quality";
import { warehouse } from "./warehouse";

export const AREAS: Area[] = [dealer, warehouse, quality, finance, admin, notifications];

export const PAGES: Page[] = AREAS.flatMap((a) => a.pages);

/** A role's screens, across every area. */
export function navigation(role: Role): NavItem[] {
  return AREAS.flatMap((a) => a.navigation[role] ?? []);
}
