/**
 * What runs with no config file: SQLite under ./data and one in-process engine whose model comes from
 * SWITCHYARD_LOCAL_MODEL (a GGUF path or an hf: URI). Without it the engine reports what to configure.
 */
export function embeddedDefault(): Record<string, unknown> {
  return {
    store: { url: "sqlite:./data/switchyard.db" },
    engines: [{ name: "local", type: "local", model: "${SWITCHYARD_LOCAL_MODEL:-}", modelsDir: "./models" }],
  };
}
