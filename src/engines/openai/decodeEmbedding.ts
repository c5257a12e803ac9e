/**
 * One embedding as an upstream sent it: a list of numbers, or (encoding_format base64) the little-endian float32
 * bytes in base64. Undefined when it is neither.
 */
export function decodeEmbedding(value: unknown): number[] | undefined {
  if (Array.isArray(value)) return value.every((x) => typeof x === "number" && Number.isFinite(x)) ? (value as number[]) : undefined;
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, "base64");
  if (bytes.length % 4 !== 0) return undefined;
  const vector = new Array<number>(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector.every(Number.isFinite) ? vector : undefined;
}
