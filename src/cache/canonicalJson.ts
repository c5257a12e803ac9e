/**
 * JSON with object keys sorted at every depth, so two requests that differ only in field order hash the same.
 * `undefined` members are dropped, as JSON.stringify drops them. It runs on every cacheable request, so the work
 * stays in JSON.stringify: the replacer only hands over a sorted copy of an object whose keys are out of order
 * (most objects, built by the gateway, already are in order or have one key).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys) ?? "null";
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return value;
  keys.sort();
  // No prototype: a "__proto__" key from a client stays a key rather than becoming the copy's prototype.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of keys) copy[key] = record[key];
  return copy;
}
