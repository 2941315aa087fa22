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

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A calendar day (`2026-03-01`) as that day, whatever the browser's time zone. */
export function formatDate(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeZone: "UTC" }).format(date);
}
