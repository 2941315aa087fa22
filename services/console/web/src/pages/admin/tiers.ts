// What the tier-discount page sends: the moment a discount starts, from the admin's
// local date and time (an `<input type="datetime-local">`), as the RFC 3339 instant
// the service takes; empty means "now" and is left out of the request.

/** `2026-12-24T08:30` (local time) → `2026-12-24T07:30:00.000Z` (in Berlin, say);
 *  empty → `undefined` (the service starts the discount at once); anything a date
 *  cannot be made of is sent as typed, for the service to name. */
export function effectiveFrom(local: string): string | undefined {
  const value = local.trim();
  if (value === "") return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}
