// What an audit record (`GET /api/v1/audit`, docs/audit.md) says, in words: who acted,
// what was done, and each changed field as "before → after". Pure: the words come
// through `t` (the catalogs' `history.*`), so the tests need no i18n set-up.
import type { components } from "../api/schema/orders";

/** One audit record; every service writes the same shape. */
export type AuditRecord = components["schemas"]["AuditRecord"];

/** A field of a record's `changes`. */
export type Change = { field: string; before: unknown; after: unknown };

/** What the catalogs answer: `t(key, options)`, or `undefined` for a key they lack. */
export type Translate = (key: string, options?: Record<string, unknown>) => string;
export type Lookup = (key: string) => string | undefined;

/** How nothing (`null`, a field not there) is shown. */
export const DASH = "—";

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The changed fields in the order the record lists them. A field written as
 *  `{"before": x, "after": y}` is that change; anything else is taken as its new value. */
export function changesOf(changes: unknown): Change[] {
  if (!isObject(changes)) return [];
  return Object.entries(changes).map(([field, change]) =>
    isObject(change) && ("before" in change || "after" in change)
      ? { field, before: change.before ?? null, after: change.after ?? null }
      : { field, before: null, after: change },
  );
}

/** A value compactly on one line: nothing as a dash, text as it is, a list as
 *  `[a, b]`, an object as `{key: value, …}` (its text unquoted, nothing inside as a
 *  dash), an RFC 3339 timestamp through `dateTime` when given. */
export function formatValue(value: unknown, dateTime?: (iso: string) => string): string {
  if (value === null || value === undefined) return DASH;
  if (typeof value === "string") {
    if (value === "") return '""';
    return dateTime && TIMESTAMP.test(value) ? dateTime(value) : value;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, dateTime)).join(", ")}]`;
  if (isObject(value)) {
    const fields = Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v, dateTime)}`);
    return `{${fields.join(", ")}}`;
  }
  return String(value);
}

/** "field: before → after". */
export function formatChange(change: Change, dateTime?: (iso: string) => string): string {
  return `${change.field}: ${formatValue(change.before, dateTime)} → ${formatValue(change.after, dateTime)}`;
}

/** What was done, in words (`history.action.<entity>.<verb>`), or `undefined` for an
 *  action the catalogs do not name (the caller shows the action itself). */
export function actionLabel(action: string, lookup: Lookup): string | undefined {
  if (!/^[a-z0-9_]+\.[a-z0-9_]+$/.test(action)) return undefined;
  return lookup(`history.action.${action}`);
}

/** Who acted: a user as their subject with their role (and dealer), an event as its
 *  producer's, a job by its name. */
export function actorLabel(record: Pick<AuditRecord, "actor_kind" | "actor" | "actor_role" | "actor_dealer">, t: Translate, lookup: Lookup): string {
  const { actor } = record;
  switch (record.actor_kind) {
    case "user": {
      const role = record.actor_role ? (lookup(`role.${record.actor_role}`) ?? record.actor_role) : undefined;
      if (!role) return actor;
      const as = record.actor_dealer ? `${role} · ${record.actor_dealer}` : role;
      return t("history.actor.user", { subject: actor, role: as });
    }
    case "event":
      return t("history.actor.event", { producer: lookup(`history.service.${actor}`) ?? actor });
    case "job":
      return t("history.actor.job", { name: actor });
    default:
      return actor;
  }
}
