/** UTC calendar days as YYYY-MM-DD, the unit of usage roll-ups and ledger retention. */
export const DAY_MS = 86_400_000;

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Epoch ms of the day's first millisecond. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function nextDay(day: string): string {
  return dayOf(dayStart(day) + DAY_MS);
}

/** A real calendar date (2025-02-30 is not), as the roll-up API and CLI accept it. */
export function isDay(value: string): boolean {
  return DAY_PATTERN.test(value) && !Number.isNaN(dayStart(value)) && dayOf(dayStart(value)) === value;
}

/** Every day that overlaps [from, to) (epoch ms), oldest first. */
export function daysBetween(from: number, to: number): string[] {
  const days: string[] = [];
  for (let day = dayOf(from); dayStart(day) < to; day = nextDay(day)) days.push(day);
  return days;
}
