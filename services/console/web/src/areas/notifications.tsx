// Every role's notifications page (the header links to it with the unread count, so
// it has no entry in a role's navigation).
import type { Role } from "../auth/session";
import { lazyPages, type Area } from "./area";

const page = lazyPages(() => import("./notifications.pages"));

const EVERYONE: Role[] = ["dealer", "warehouse", "quality", "quality_lead", "finance", "admin"];

export const notifications: Area = {
  pages: [{ path: "/notifications", roles: EVERYONE, element: page("NotificationsPage") }],
  navigation: {},
};
