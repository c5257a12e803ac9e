/**
 * Request bodies for fuzzing a JSON route, as fast-check arbitraries: fully random JSON, mutations of a valid
 * body (fields dropped, replaced, retyped, huge, deeply nested, odd unicode, unknown and prototype keys, edge
 * numbers), raw text that is no JSON, invalid UTF-8, and content types other than JSON.
 */
import fc from "fast-check";

export interface FuzzBody {
  /** What kind of body this is, for failure reports. */
  label: string;
  body: string | Buffer;
  /** undefined: no content-type header. */
  contentType: string | undefined;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

const json = "application/json";

/** Text spliced in after JSON.stringify, for what a JS value cannot say: deep nesting, exact number spellings. */
interface RawSplice {
  marker: string;
  text: string;
}

type Mutation =
  | { op: "drop"; pick: number }
  | { op: "replace"; pick: number; value: Json }
  | { op: "retype"; pick: number; value: Json }
  | { op: "huge"; pick: number; size: number; unit: string }
  | { op: "deep"; pick: number; depth: number; brackets: "[]" | "{}" }
  | { op: "unicode"; pick: number; value: string }
  | { op: "extra"; pick: number; key: string; value: Json }
  | { op: "number"; pick: number; text: string };

const weirdStrings = [
  "\ud800",
  "\udfff",
  "a\ud83dz",
  "\u0000",
  "\u0000\u0001\u001f",
  "\ufffe\uffff",
  "\u202eevil\u202c",
  "\u200b\u200d\ufeff",
  "e\u0301\u0301\u0301",
  "👩‍👩‍👧‍👦🏳️‍🌈",
  "𝕳𝖊𝖑𝖑𝖔",
  "null",
  "",
  " ",
  "\r\n\r\n",
  "data: [DONE]\n\n",
  "event: error\ndata: {}\n\n",
  "${SWITCHYARD_ADMIN_KEY}",
  "../../etc/passwd",
  "' OR 1=1 --",
];

/**
 * Any code points, lone surrogates included. (fast-check's "binary" string unit would do, but builds a table of
 * every code point first: a second of CPU in each process that uses it.)
 */
const anyCodePoints = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength }).map((points) => String.fromCodePoint(...points));

const edgeNumbers = ["1e308", "-1e308", "1e400", "-0", "0.0000000000000000001", "5e-324", "12345678901234567890123", "-9007199254740993", "1.5", "2", "-1", "0"];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("drop" as const), pick: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("replace" as const), pick: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("retype" as const),
      pick: fc.nat(),
      value: fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.constant([]),
        fc.constant({}),
        fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
      ) as fc.Arbitrary<Json>,
    }),
  },
  {
    // Rare, and mostly just past the schemas' string limits: megabytes per body would make the run slow, and the
    // body limit (413) needs only a few.
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("huge" as const),
      pick: fc.nat(),
      size: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(20_001, 100_001, 200_001) }, { weight: 1, arbitrary: fc.constant(1_100_000) }),
      unit: fc.constantFrom("x", "é", "𝄞", " ", "\\"),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("deep" as const), pick: fc.nat(), depth: fc.oneof(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 100, max: 200 }), fc.integer({ min: 1_000, max: 20_000 })), brackets: fc.constantFrom("[]" as const, "{}" as const) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("unicode" as const), pick: fc.nat(), value: fc.oneof(fc.constantFrom(...weirdStrings), anyCodePoints(30)) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("extra" as const),
      pick: fc.nat(),
      key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "prototype", "toString", "")),
      value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("number" as const), pick: fc.nat(), text: fc.constantFrom(...edgeNumbers) }) },
);

/** Every place in a value a mutation can touch: the root and each nested property or element. */
function pathsOf(value: Json, prefix: Path = [], into: Path[] = []): Path[] {
  into.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => pathsOf(item, [...prefix, index], into));
  else if (value !== null && typeof value === "object") for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], into);
  return into;
}

function setAt(root: Json, path: Path, inserted: Json | undefined): Json {
  // A copy: fast-check may hand out one instance more than once (fc.constant), and mutations change values in place.
  const value = inserted === undefined ? undefined : structuredClone(inserted);
  if (path.length === 0) return value === undefined ? {} : value;
  let parent: Json = root;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[step]!;
  const last = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof last === "number") {
    if (value === undefined) parent.splice(last, 1);
    else parent[last] = value;
  } else if (parent !== null && typeof parent === "object") {
    const record = parent as Record<string, Json>;
    if (value === undefined) delete record[last];
    else defineOwn(record, String(last), value);
  }
  return root;
}

/** An own, enumerable property even for "__proto__", which plain assignment would turn into a prototype. */
function defineOwn(record: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(record, key, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
}

function applyMutations(valid: Json, mutations: readonly Mutation[]): { text: string; label: string } {
  let root = structuredClone(valid);
  const splices: RawSplice[] = [];
  const raw = (text: string): string => {
    const marker = `__fuzz_raw_${splices.length}__`;
    splices.push({ marker, text });
    return marker;
  };
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.pick % paths.length]!;
    switch (m.op) {
      case "drop":
        root = setAt(root, path, undefined);
        break;
      case "replace":
      case "retype":
        root = setAt(root, path, m.value);
        break;
      case "huge":
        root = setAt(root, path, m.unit.repeat(Math.ceil(m.size / m.unit.length)));
        break;
      case "deep": {
        const [open, close] = m.brackets === "[]" ? ["[", "]"] : ['{"a":', "}"];
        root = setAt(root, path, raw(open.repeat(m.depth) + (m.brackets === "[]" ? "" : "1") + close.repeat(m.depth)));
        break;
      }
      case "unicode":
        root = setAt(root, path, m.value);
        break;
      case "extra": {
        const target = path.length === 0 ? root : path.slice(0, -1).reduce<Json>((node, step) => (node as Record<string | number, Json>)[step]!, root);
        if (target !== null && typeof target === "object" && !Array.isArray(target)) defineOwn(target, m.key, m.value);
        else root = setAt(root, path, { [m.key]: m.value });
        break;
      }
      case "number":
        root = setAt(root, path, raw(m.text));
        break;
    }
  }
  let text = JSON.stringify(root);
  for (const splice of splices) text = text.replace(JSON.stringify(splice.marker), () => splice.text);
  return { text, label: `mutated: ${mutations.map((m) => m.op).join(", ")}` };
}

const otherContentTypes = [
  undefined,
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json; charset=utf-16",
  "application/vnd.api+json",
  "application/json, text/plain",
  "",
];

/** `valid`: a body the route accepts (any JSON-serialisable value). */
export function fuzzBodies(validBody: unknown): fc.Arbitrary<FuzzBody> {
  const validText = JSON.stringify(validBody);
  const valid = JSON.parse(validText) as Json;
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }).map((mutations) => {
        const { text, label } = applyMutations(valid, mutations);
        return { label, body: text, contentType: json };
      }),
    },
    { weight: 1, arbitrary: fc.constant({ label: "valid", body: validText, contentType: json }) },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((value) => ({ label: "random JSON", body: JSON.stringify(value), contentType: json })) },
    {
      weight: 2,
      arbitrary: fc.oneof(fc.string({ maxLength: 200 }), anyCodePoints(200), fc.constantFrom("", " ", "{", "}", "[", "nul", "{'a':1}", "{\"a\":1,}", "\u0000", "\ufeff{}")).map((text) => ({
        label: "raw text",
        body: text,
        contentType: json,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.nat({ max: validText.length }).map((cut) => ({ label: "truncated", body: validText.slice(0, cut), contentType: json })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => {
        // Bytes that are not UTF-8 inside a JSON string (and sometimes outside one).
        const at = validText.indexOf('":"') + 3;
        const body = at > 2 ? Buffer.concat([Buffer.from(validText.slice(0, at)), Buffer.from(bytes), Buffer.from(validText.slice(at))]) : Buffer.from(bytes);
        return { label: "invalid UTF-8", body, contentType: json };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...otherContentTypes), fc.boolean()).map(([contentType, asValid]) => ({
        label: `content-type ${String(contentType)}`,
        body: asValid ? validText : "message=hi&model=x",
        contentType,
      })),
    },
  );
}
