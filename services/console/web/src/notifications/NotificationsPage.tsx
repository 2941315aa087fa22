// Every role: the signed-in user's notifications from the four services, merged
// newest first, unread ones marked, each linked to its page where the console has one;
// mark one or all read. Below, the topics each service lets the role subscribe to,
// switched on and off for the console, and the user's webhooks (read only).
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { toProblem, type Problem } from "../api/problem";
import { useMe } from "../auth/session";
import { FormProblem } from "../components/Field";
import { Empty, ErrorState, Loading } from "../components/States";
import { useAction } from "../components/useAction";
import { useLoad } from "../components/useLoad";
import { formatDateTime } from "../i18n/format";
import { done, notify, type Subscription, type Topic } from "./api";
import { consoleHolds, entityLink, mergeLists, SERVICES, topicChange, type Listed, type Pages, type Service } from "./merge";
import { useUnread } from "./unread";

const PAGE_SIZE = 50;

type ServiceList = { kind: "loading" } | { kind: "error"; problem: Problem } | { kind: "done"; pages: Pages };

/** Each service's list, page by page; a service that fails is retried on its own. */
function useLists() {
  const [lists, setLists] = useState<Partial<Record<Service, ServiceList>>>({});

  const load = useCallback(async (service: Service, cursor?: string) => {
    if (!cursor) setLists((l) => ({ ...l, [service]: { kind: "loading" } }));
    let next: ServiceList;
    try {
      const { data, error, response } = await notify[service].GET("/api/v1/notifications", {
        params: { query: { cursor, limit: PAGE_SIZE } },
      });
      next = data && response.ok ? { kind: "done", pages: data } : { kind: "error", problem: toProblem(error, response.status) };
    } catch (e) {
      next = { kind: "error", problem: toProblem(e) };
    }
    setLists((l) => {
      const before = l[service];
      if (cursor && next.kind === "done" && before?.kind === "done") {
        return { ...l, [service]: { kind: "done", pages: { items: [...before.pages.items, ...next.pages.items], next_cursor: next.pages.next_cursor } } };
      }
      // A failed next page keeps what was loaded (its error shows beside it on retry).
      if (cursor && next.kind === "error" && before?.kind === "done") return l;
      return { ...l, [service]: next };
    });
    return next.kind === "done";
  }, []);

  const reload = useCallback(() => SERVICES.forEach((s) => void load(s)), [load]);
  useEffect(reload, [reload]);

  /** Marks one read here, without asking the services for their lists again. */
  const markedRead = useCallback((service: Service, id?: number) => {
    const now = new Date().toISOString();
    setLists((l) => {
      const list = l[service];
      if (list?.kind !== "done") return l;
      const items = list.pages.items.map((n) => (id === undefined || n.id === id ? { ...n, read_at: n.read_at ?? now } : n));
      return { ...l, [service]: { kind: "done", pages: { ...list.pages, items } } };
    });
  }, []);

  return { lists, load, reload, markedRead };
}

function serviceName(t: (k: string) => string, service: Service): string {
  switch (service) {
    case "orders":
      return t("notifications.service.orders");
    case "inspection":
      return t("notifications.service.inspection");
    case "recovery":
      return t("notifications.service.recovery");
    case "catalog":
      return t("notifications.service.catalog");
  }
}

function MarkRead({ n, onRead }: { n: Listed; onRead: () => void }) {
  const { t } = useTranslation();
  const action = useAction();
  async function go() {
    const ok = await action.run(`${n.service}:${n.id}`, async () =>
      done(await notify[n.service].POST("/api/v1/notifications/{id}/read", { params: { path: { id: n.id } } })),
    );
    if (ok) onRead();
  }
  return (
    <>
      <button type="button" disabled={action.busy} aria-busy={action.busy} onClick={() => void go()} aria-label={t("notifications.markReadOf", { summary: n.summary })}>
        {t("notifications.markRead")}
      </button>
      <FormProblem problem={action.problem} shown={[]} />
    </>
  );
}

function Item({ n, onRead }: { n: Listed; onRead: () => void }) {
  const { t } = useTranslation();
  const me = useMe();
  const link = entityLink(me.role, n);
  const unread = !n.read_at;
  return (
    <li className={unread ? "notification unread" : "notification"}>
      <p className="summary">
        {unread && <span className="badge badge-unread">{t("notifications.unread")}</span>} {n.summary}
      </p>
      <p className="muted">
        <time dateTime={n.created_at}>{formatDateTime(n.created_at)}</time> · <code>{n.topic}</code> · {serviceName(t, n.service)}
        {link && (
          <>
            {" · "}
            <Link to={link}>{t("notifications.open")}</Link>
          </>
        )}
      </p>
      {unread && <MarkRead n={n} onRead={onRead} />}
    </li>
  );
}

function NotificationList() {
  const { t } = useTranslation();
  const { lists, load, reload, markedRead } = useLists();
  const unreadCount = useUnread();
  const markAll = useAction();
  const [loadingMore, setLoadingMore] = useState(false);

  const answered = SERVICES.filter((s) => lists[s]?.kind === "done");
  const failed = SERVICES.filter((s) => lists[s]?.kind === "error");
  const pending = SERVICES.some((s) => !lists[s] || lists[s]?.kind === "loading");
  const merged = mergeLists(Object.fromEntries(answered.map((s) => [s, (lists[s] as { pages: Pages }).pages])));
  const anyUnread = merged.items.some((n) => !n.read_at);

  async function readAll() {
    const ok = await markAll.run("read-all", async () => {
      const answers = await Promise.all(answered.map((s) => notify[s].POST("/api/v1/notifications/read-all")));
      const failure = answers.find((a) => !a.response.ok);
      return done(failure ?? answers[0] ?? { response: new Response(null, { status: 204 }) });
    });
    if (ok) answered.forEach((s) => markedRead(s));
    unreadCount.refresh();
  }

  async function more() {
    setLoadingMore(true);
    await Promise.all(
      answered.map((s) => {
        const cursor = (lists[s] as { pages: Pages }).pages.next_cursor;
        return cursor ? load(s, cursor) : Promise.resolve(true);
      }),
    );
    setLoadingMore(false);
  }

  return (
    <>
      <div className="toolbar">
        <button type="button" onClick={() => void readAll()} disabled={markAll.busy || !anyUnread} aria-busy={markAll.busy}>
          {t("notifications.markAllRead")}
        </button>
        <button type="button" onClick={() => { reload(); unreadCount.refresh(); }}>
          {t("notifications.refresh")}
        </button>
      </div>
      <FormProblem problem={markAll.problem} shown={[]} />
      {failed.map((s) => {
        const list = lists[s] as { problem: Problem };
        return (
          <div key={s} className="service-problem">
            <p>{t("notifications.serviceFailed", { service: serviceName(t, s) })}</p>
            <ErrorState problem={list.problem} onRetry={() => void load(s)} />
          </div>
        );
      })}
      {merged.items.length > 0 ? (
        <ul className="notifications" aria-label={t("notifications.listLabel")}>
          {merged.items.map((n) => (
            <Item
              key={`${n.service}:${n.id}`}
              n={n}
              onRead={() => {
                markedRead(n.service, n.id);
                unreadCount.refresh();
              }}
            />
          ))}
        </ul>
      ) : pending ? (
        <Loading />
      ) : (
        failed.length < SERVICES.length && <Empty message={t("notifications.empty")} />
      )}
      {merged.more && (
        <button type="button" onClick={() => void more()} disabled={loadingMore} aria-busy={loadingMore}>
          {t("list.more")}
        </button>
      )}
    </>
  );
}

type Settings = { topics: Topic[]; subscriptions: Subscription[] };

async function loadSettings(service: Service) {
  const [topics, subs] = await Promise.all([
    notify[service].GET("/api/v1/notifications/topics"),
    notify[service].GET("/api/v1/subscriptions"),
  ]);
  if (!topics.data || !topics.response.ok) return { error: topics.error, response: topics.response };
  if (!subs.data || !subs.response.ok) return { error: subs.error, response: subs.response };
  return { data: { topics: topics.data, subscriptions: subs.data } as Settings, response: subs.response };
}

function TopicSwitch({ service, topic, subscriptions, onChanged }: { service: Service; topic: Topic; subscriptions: Subscription[]; onChanged: () => Promise<void> }) {
  const action = useAction();
  // While the change is on its way the box shows what was asked for.
  const [asked, setAsked] = useState<boolean | null>(null);
  const on = asked ?? consoleHolds(subscriptions, topic.name);
  const id = `topic-${service}-${topic.name.replace(/\W/g, "-")}`;

  async function toggle(want: boolean) {
    setAsked(want);
    const change = topicChange(subscriptions, topic.name, want);
    await action.run({ service, topic: topic.name, want }, async () => {
      for (const body of change.add) {
        const answer = await notify[service].POST("/api/v1/subscriptions", { body });
        if (!answer.response.ok) return done(answer);
      }
      for (const sid of change.remove) {
        const answer = await notify[service].DELETE("/api/v1/subscriptions/{id}", { params: { path: { id: sid } } });
        if (!answer.response.ok) return done(answer);
      }
      return { data: true, response: new Response(null, { status: 204 }) };
    });
    // Done or not, the service's own list says what holds now.
    await onChanged();
    setAsked(null);
  }

  return (
    <li>
      <input id={id} type="checkbox" checked={on} disabled={action.busy} aria-describedby={`${id}-about`} onChange={(e) => void toggle(e.target.checked)} />{" "}
      <label htmlFor={id}>
        <code>{topic.name}</code>
      </label>
      <span id={`${id}-about`} className="muted">
        {" "}
        {topic.description}
      </span>
      <FormProblem problem={action.problem} shown={[]} />
    </li>
  );
}

function ServiceSubscriptions({ service }: { service: Service }) {
  const { t } = useTranslation();
  const [state, reload] = useLoad(() => loadSettings(service), [service]);
  // After a change only the subscriptions are asked again, and the list stays shown.
  const [latest, setLatest] = useState<Subscription[] | null>(null);
  const name = serviceName(t, service);
  if (state.kind === "loading") return <Loading />;
  if (state.kind === "error") {
    return (
      <div className="service-problem">
        <p>{t("notifications.serviceFailed", { service: name })}</p>
        <ErrorState problem={state.problem} onRetry={reload} />
      </div>
    );
  }
  const topics = state.data.topics;
  const subscriptions = latest ?? state.data.subscriptions;
  async function refreshSubscriptions() {
    try {
      const { data, response } = await notify[service].GET("/api/v1/subscriptions");
      if (data && response.ok) setLatest(data);
    } catch {
      // The list shown stays; the next change or a reload asks again.
    }
  }
  const webhooks = subscriptions.filter((s) => s.url);
  if (topics.length === 0 && webhooks.length === 0) return null;
  return (
    <fieldset className="topics">
      <legend>{name}</legend>
      {topics.length > 0 && (
        <ul className="plain">
          {topics.map((topic) => (
            <TopicSwitch key={topic.name} service={service} topic={topic} subscriptions={subscriptions} onChanged={refreshSubscriptions} />
          ))}
        </ul>
      )}
      {webhooks.length > 0 && (
        <>
          <p>{t("notifications.webhooks")}</p>
          <ul>
            {webhooks.map((w) => (
              <li key={w.id}>
                <code className="url">{w.url}</code>: {w.topics.join(", ")}
                {w.dealer_code ? ` (${w.dealer_code})` : ""}
              </li>
            ))}
          </ul>
        </>
      )}
    </fieldset>
  );
}

export function NotificationsPage() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">{t("notifications.title")}</h1>
      <NotificationList />
      <section aria-labelledby="subscriptions-title" className="subscriptions">
        <h2 id="subscriptions-title">{t("notifications.subscriptions")}</h2>
        <p className="hint">{t("notifications.subscriptionsIntro")}</p>
        {SERVICES.map((s) => (
          <ServiceSubscriptions key={s} service={s} />
        ))}
      </section>
    </section>
  );
}
