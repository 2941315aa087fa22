// Dates, numbers and money per locale through Intl. Money arrives as a decimal
// string (rust_decimal's serde-with-str); it is formatted without a float detour
// where that matters: Intl accepts the decimal string directly.
import i18n from "./index";

const locale = () => i18n.language || "zh-CN";

export function formatMoney(amount: string | number, currency: string): string {
  return new Intl.NumberFormat(locale(), { style: "currency", currency }).format(
    amount as unknown as number,
  );
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale()).format(value);
}

/** A moment, to the minute; with `seconds` to the second (an audit trail's steps are
 *  often seconds apart). */
export function formatDateTime(iso: string, { seconds = false } = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: seconds ? "medium" : "short" }).format(date);
}

/** A rate the services send as a decimal string (`"0.9250"`) or a number. */
export function formatPercent(rate: string | number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(Number(rate));
}

/** A calendar date (`2024-06-01`, no time zone): shown as that day everywhere. */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  if (!y || !m || !d) return isoDate;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}
