/** The usage roll-up tables, as stored (migration 008). */

export interface UsageDailyTable {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  user_id: string;
  /** '' when the requests came without an API key (or the engine/model was none). */
  key_id: string;
  engine: string;
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface UsageRollupDaysTable {
  day: string;
  /** Ledger rows the day's roll-up counted: retention purges a day only while the ledger still holds exactly these. */
  requests: number;
  rolled_up_at: number;
  /** Set when retention began deleting the day's ledger rows; a sealed day is never recomputed. */
  sealed_at: number | null;
}
