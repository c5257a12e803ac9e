/**
 * `${NAME}` and `${NAME:-fallback}` in string values are replaced from the environment, so secrets stay out of
 * the file. An unset variable without a fallback is reported with the field it sits in.
 */
const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  onMissing: (name: string, where: string) => never,
  where = "(root)",
): unknown {
  if (typeof value === "string") {
    return value.replace(pattern, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      return onMissing(name, where);
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, onMissing, `${where}[${i}]`));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = interpolateEnv(child, env, onMissing, where === "(root)" ? key : `${where}.${key}`);
    }
    return out;
  }
  return value;
}
