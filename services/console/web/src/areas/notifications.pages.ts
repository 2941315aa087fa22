// The notifications page, one chunk of the app: `areas/notifications.tsx` loads it the
// first time it opens.
export { NotificationsPage } from "../notifications/NotificationsPage";
