/**
 * What a profile changes: defaults only. A key the file sets always wins over its profile's preset, so a profile
 * never hides a setting the operator wrote down.
 */
import { isRecord } from "../isRecord.js";

export type Profile = "dev" | "prod";

export const profilePresets: Readonly<Record<Profile, Record<string, unknown>>> = {
  // Readable, chatty output for a developer's terminal.
  dev: { log: { level: "debug", pretty: true } },
  // JSON lines for a log pipeline, at info.
  prod: { log: { level: "info", pretty: false } },
};

/** `raw` laid over the preset of its profile (the file's `profile`, else SWITCHYARD_PROFILE, else prod). */
export function applyProfile(raw: unknown, envProfile: string | undefined): unknown {
  if (!isRecord(raw)) return raw;
  const profile = raw.profile ?? envProfile ?? "prod";
  // An unknown profile is left for the schema to reject with the field named.
  if (profile !== "dev" && profile !== "prod") return { ...raw, profile };
  return { ...mergeUnder(profilePresets[profile], raw), profile };
}

function mergeUnder(preset: Record<string, unknown>, raw: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...preset, ...raw };
  for (const [key, value] of Object.entries(preset)) {
    const own = raw[key];
    if (isRecord(value) && isRecord(own)) merged[key] = mergeUnder(value, own);
  }
  return merged;
}
