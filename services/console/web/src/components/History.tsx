// An entity's history where the console shows the entity: its service's audit
// records (`GET /api/v1/audit?entity_type=&entity_id=`, newest first, a page at a
// time) as a table of when, who, what, the fields changed and why. Shown only to the
// roles that may read the audit trail (docs/audit.md); a refusal hides the section
// rather than the page it sits on.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { catalog, inspection, orders, recovery } from "../api/client";
import { useMe, type Role } from "../auth/session";
import { formatDateTime } from "../i18n/format";
import { actionLabel, actorLabel, changesOf, formatChange, type AuditRecord, type Lookup } from "./history";
import { PagedList } from "./Paged";
import { usePaged } from "./usePaged";

type Query = { entity_type: string; entity_id: string; cursor?: string; limit: number };
type AuditPage = { items: AuditRecord[]; next_cursor?: string | null };
type Answer = { data?: AuditPage; error?: unknown; response: Response };

/** The page as JSON: the operation also serves CSV (`?format=csv`), never asked for here. */
function json({ data, error, response }: { data?: AuditPage | string; error?: unknown; response: Response }): Answer {
  return typeof data === "string" ? { error, response: new Response(null, { status: 415 }) } : { data, error, response };
}

const SOURCES = {
  catalog: (query: Query) => catalog.GET("/api/v1/audit", { params: { query } }).then(json),
  orders: (query: Query) => orders.GET("/api/v1/audit", { params: { query } }).then(json),
  inspection: (query: Query) => inspection.GET("/api/v1/audit", { params: { query } }).then(json),
  recovery: (query: Query) => recovery.GET("/api/v1/audit", { params: { query } }).then(json),
};

export type AuditService = keyof typeof SOURCES;

/** Who may read the audit trail (a dealer: its own entities' records); warehouse may not. */
const READERS: Role[] = ["admin", "finance", "quality", "quality_lead", "dealer"];

const PAGE = 20;

export function History(props: {
  service: AuditService;
  entityType: string;
  entityId: string;
  /** Changes when the entity changed (its status, version): the history reads again. */
  version?: unknown;
}) {
  const me = useMe();
  if (!READERS.includes(me.role)) return null;
  return <HistoryList {...props} />;
}

function HistoryList({
  service,
  entityType,
  entityId,
  version,
}: {
  service: AuditService;
  entityType: string;
  entityId: string;
  version?: unknown;
}) {
  const { t, i18n } = useTranslation();
  const titleId = useId();
  const list = usePaged(
    (cursor) => SOURCES[service]({ entity_type: entityType, entity_id: entityId, cursor, limit: PAGE }),
    [service, entityType, entityId, version],
  );
  // A role the service does not let read these records: no section, the page stands.
  if (list.state.kind === "error" && list.state.problem.status === 403) return null;
  const lookup: Lookup = (key) => (i18n.exists(key) ? String(t(key)) : undefined);

  return (
    <section aria-labelledby={titleId} className="history">
      <h2 id={titleId}>{t("history.title")}</h2>
      <PagedList list={list} empty={t("history.empty")}>
        <table aria-labelledby={titleId}>
          <thead>
            <tr>
              <th scope="col">{t("history.when")}</th>
              <th scope="col">{t("history.who")}</th>
              <th scope="col">{t("history.what")}</th>
              <th scope="col">{t("history.changes")}</th>
              <th scope="col">{t("history.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {list.rows.map((r) => {
              const action = actionLabel(r.action, lookup);
              const changes = changesOf(r.changes);
              return (
                <tr key={r.id}>
                  <td>
                    <time dateTime={r.at}>{formatDateTime(r.at, { seconds: true })}</time>
                  </td>
                  <td>{actorLabel(r, t, lookup)}</td>
                  <td>{action ?? <code>{r.action}</code>}</td>
                  <td>
                    {changes.length > 0 && (
                      <ul className="changes">
                        {changes.map((c) => (
                          <li key={c.field}>{formatChange(c, (iso) => formatDateTime(iso))}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{r.reason}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </PagedList>
    </section>
  );
}
