/**
 * Command-line flags shared by the scenario runners: numeric flags declared with a default and a lower bound,
 * string flags with a default, and --out-dir / --help for all. One declaration gives parsing, checking and help.
 */
import { parseArgs } from "node:util";

export interface NumberFlag {
  default: number;
  min: number;
  integer?: boolean;
  help: string;
}

export interface StringFlag {
  default: string;
  help: string;
  /** Allowed values, when the flag is a choice. */
  choices?: readonly string[];
}

export interface BenchArgs<N extends string, S extends string> {
  numbers: Record<N, number>;
  strings: Record<S, string>;
  /** Where the JSON and markdown results of the run go. */
  outDir: string;
  help: boolean;
}

export const defaultOutDir = "bench-results";

export function parseBenchArgs<N extends string, S extends string = never>(
  argv: readonly string[],
  numbers: Record<N, NumberFlag>,
  strings: Record<S, StringFlag> = {} as Record<S, StringFlag>,
): BenchArgs<N, S> {
  const names = [...Object.keys(numbers), ...Object.keys(strings), "out-dir"];
  const { values } = parseArgs({
    args: [...argv],
    options: { ...Object.fromEntries(names.map((name) => [name, { type: "string" as const }])), help: { type: "boolean" as const, short: "h" } },
    strict: true,
  });
  const text = (name: string): string | undefined => {
    const value = (values as Record<string, string | boolean | undefined>)[name];
    return typeof value === "string" ? value : undefined;
  };
  const parsedNumbers = {} as Record<N, number>;
  for (const [name, flag] of Object.entries(numbers) as [N, NumberFlag][]) {
    const raw = text(name);
    const value = raw === undefined ? flag.default : Number(raw);
    if (!Number.isFinite(value) || value < flag.min || (flag.integer === true && !Number.isInteger(value))) {
      throw new Error(`--${name} must be ${flag.integer ? "an integer" : "a number"} ≥ ${flag.min}, got "${raw}"`);
    }
    parsedNumbers[name] = value;
  }
  const parsedStrings = {} as Record<S, string>;
  for (const [name, flag] of Object.entries(strings) as [S, StringFlag][]) {
    const value = text(name) ?? flag.default;
    if (flag.choices && !flag.choices.includes(value)) throw new Error(`--${name} must be one of ${flag.choices.join(", ")}, got "${value}"`);
    parsedStrings[name] = value;
  }
  return { numbers: parsedNumbers, strings: parsedStrings, outDir: text("out-dir") ?? defaultOutDir, help: values.help === true };
}

/** The help text: the usage line, what the scenario does, and every flag with its default. */
export function benchUsage(usage: string, about: string, numbers: Record<string, NumberFlag>, strings: Record<string, StringFlag> = {}): string {
  const lines = [
    ...Object.entries(numbers).map(([name, flag]) => `  --${name} N`.padEnd(28) + `${flag.help} (default ${flag.default})`),
    ...Object.entries(strings).map(([name, flag]) => `  --${name} ${flag.choices ? flag.choices.join("|") : "TEXT"}`.padEnd(28) + `${flag.help} (default ${flag.default || "none"})`),
    `  --out-dir DIR`.padEnd(28) + `where the JSON and markdown results go (default ${defaultOutDir})`,
  ];
  return [`usage: ${usage}`, "", about, "", ...lines].join("\n");
}
