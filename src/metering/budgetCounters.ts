/**
 * The spent and reserved amounts of each budget window, behind a small interface so a shared implementation
 * (Redis, for replicas) can replace this in-memory one. The in-memory counters are exact for one process: a
 * window's spend is read from the ledger once, on first use, and kept here from then on.
 */
export interface CounterReservation {
  /** One budget window of one subject, e.g. `user:alice|day|1735689600000`. */
  key: string;
  /** The subject alone (`user:alice`): once one of its windows is in use, its older windows can be forgotten. */
  subject: string;
  /** Epoch ms the window started; only earlier windows of a subject are forgotten. */
  windowStart: number;
  /** Epoch ms the window ends (undefined: never); shared counters expire some time after it. */
  windowEnd?: number | undefined;
  limitUsd: number;
  amountUsd: number;
  /** What the window has spent so far, from the ledger; called on the key's first use only. */
  load(): Promise<number>;
}

export type ReserveOutcome = { ok: true } | { ok: false; key: string; spentUsd: number; reservedUsd: number };

export interface SettledSpend {
  beforeUsd: number;
  afterUsd: number;
}

export interface BudgetCounters {
  /** Adds every amount when each fits under its limit (spent + reserved + amount), otherwise adds none. */
  reserve(reservations: readonly CounterReservation[]): Promise<ReserveOutcome>;
  /**
   * Replaces a reservation by the real cost: the window's spend before and after, or undefined when the window
   * is no longer tracked (it ended and a newer one replaced it).
   */
  settle(key: string, reservedUsd: number, costUsd: number): Promise<SettledSpend | undefined>;
}

/** Sums of float costs drift by far less than this; without it a budget fitting exactly N requests fits N − 1. */
export const USD_EPSILON = 1e-9;

interface Counter {
  subject: string;
  windowStart: number;
  spent: number;
  reserved: number;
}

export function createMemoryBudgetCounters(): BudgetCounters {
  const counters = new Map<string, Counter>();
  // One load per key, however many requests arrive before it finishes; a failed load is forgotten so the next
  // request tries again.
  const loading = new Map<string, Promise<void>>();

  const ensure = (reservation: CounterReservation): Promise<void> | undefined => {
    if (counters.has(reservation.key)) return undefined;
    let pending = loading.get(reservation.key);
    if (pending === undefined) {
      pending = reservation
        .load()
        .then((spent) => {
          counters.set(reservation.key, { subject: reservation.subject, windowStart: reservation.windowStart, spent, reserved: 0 });
          forgetEndedWindows(reservation);
        })
        .finally(() => loading.delete(reservation.key));
      loading.set(reservation.key, pending);
    }
    return pending;
  };

  // Keeps memory at one window per subject, plus an ended one while requests reserved in it are still running.
  const forgetEndedWindows = (current: CounterReservation) => {
    for (const [key, counter] of counters) {
      if (counter.subject === current.subject && counter.windowStart < current.windowStart && counter.reserved <= USD_EPSILON) counters.delete(key);
    }
  };

  return {
    async reserve(reservations) {
      for (;;) {
        const loads = reservations.map(ensure).filter((load) => load !== undefined);
        if (loads.length > 0) await Promise.all(loads);
        const found = reservations.map((reservation) => counters.get(reservation.key));
        // A newer window loaded meanwhile may have forgotten an ended one this request still reserves in.
        if (found.some((counter) => counter === undefined)) continue;
        // From here on nothing awaits: the check and the add are one step, so concurrent requests cannot both
        // take the last room in a budget.
        for (const [index, reservation] of reservations.entries()) {
          const counter = found[index] as Counter;
          if (reservation.amountUsd > 0 && counter.spent + counter.reserved + reservation.amountUsd > reservation.limitUsd + USD_EPSILON) {
            return { ok: false, key: reservation.key, spentUsd: counter.spent, reservedUsd: counter.reserved };
          }
        }
        for (const [index, reservation] of reservations.entries()) (found[index] as Counter).reserved += reservation.amountUsd;
        return { ok: true };
      }
    },

    async settle(key, reservedUsd, costUsd) {
      const counter = counters.get(key);
      if (counter === undefined) return undefined;
      counter.reserved -= reservedUsd;
      if (counter.reserved < USD_EPSILON) counter.reserved = 0;
      const beforeUsd = counter.spent;
      counter.spent += costUsd;
      return { beforeUsd, afterUsd: counter.spent };
    },
  };
}
