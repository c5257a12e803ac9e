/** The tighter of two optional limits: a client's and an experiment variant's `maxTokens`, say. */
export function lowerLimit(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
