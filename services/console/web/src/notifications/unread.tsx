// The unread count in the header: every service's, summed, asked again every 30 s, on
// each navigation and when the notifications page changes what is read. A service
// that does not answer keeps the others' count visible (the label says some are
// missing).
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, useLocation } from "react-router";
import { notify } from "./api";
import { SERVICES, sumUnread, type PerService } from "./merge";

const POLL_MS = 30_000;

type Unread = { counts: PerService<number>; refresh: () => void };

const UnreadContext = createContext<Unread>({ counts: {}, refresh: () => {} });

async function countOf(service: (typeof SERVICES)[number]) {
  try {
    const { data, response } = await notify[service].GET("/api/v1/notifications/unread-count");
    return response.ok && data ? { ok: true as const, value: data.unread } : { ok: false as const };
  } catch {
    return { ok: false as const };
  }
}

export function UnreadProvider({ children }: { children: ReactNode }) {
  const [counts, setCounts] = useState<PerService<number>>({});
  const round = useRef(0);
  const refresh = useCallback(() => {
    const mine = ++round.current;
    void Promise.all(SERVICES.map(async (s) => [s, await countOf(s)] as const)).then((answers) => {
      // An older round answering late must not overwrite a newer one.
      if (mine === round.current) setCounts(Object.fromEntries(answers));
    });
  }, []);
  const location = useLocation();
  useEffect(refresh, [refresh, location.pathname]);
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState !== "hidden") refresh();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh]);
  return <UnreadContext.Provider value={{ counts, refresh }}>{children}</UnreadContext.Provider>;
}

export function useUnread(): Unread {
  return useContext(UnreadContext);
}

/** The header's link to the notifications page, with the unread count. */
export function NotificationsLink() {
  const { t } = useTranslation();
  const { counts } = useUnread();
  const { unread, complete, answered } = sumUnread(counts);
  const loading = Object.keys(counts).length === 0;
  const label = loading
    ? t("notifications.title")
    : answered === 0
      ? t("notifications.linkUnavailable")
      : complete
        ? t("notifications.linkLabel", { count: unread })
        : t("notifications.linkLabelPartial", { count: unread });
  return (
    <NavLink to="/notifications" className="notifications-link" aria-label={label} title={label}>
      <span aria-hidden="true">{t("notifications.title")}</span>
      {!loading && answered > 0 && (unread > 0 || !complete) && (
        <span className={unread > 0 ? "count" : "count count-none"} aria-hidden="true">
          {unread}
          {complete ? "" : "+"}
        </span>
      )}
    </NavLink>
  );
}
