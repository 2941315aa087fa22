// The periods a dashboard compares: the last `count` whole weeks (Monday to Monday,
// UTC) and the current one so far, oldest first, each as the services' `from`
// (inclusive) and `to` (exclusive) timestamps.
export type Period = { label: string; from: string; to: string };

const DAY = 86_400_000;

export function weeks(count: number, now = new Date()): Period[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
  return Array.from({ length: count }, (_, i) => {
    const start = monday - (count - 1 - i) * 7 * DAY;
    // The current week ends now (at least a second after it began, never an empty range).
    const end = Math.max(Math.min(start + 7 * DAY, now.getTime()), start + 1000);
    return {
      label: new Date(start).toISOString().slice(0, 10),
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
    };
  });
}
