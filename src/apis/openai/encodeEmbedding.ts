/** A vector as OpenAI sends it for `encoding_format: base64`: little-endian float32 bytes in base64. */
export function encodeEmbedding(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString("base64");
}
