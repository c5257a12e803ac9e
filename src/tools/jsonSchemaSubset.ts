/**
 * The part of JSON Schema that tool parameters use, checked without a schema compiler: `type`, `properties`,
 * `required`, `additionalProperties`, `items`, `enum`, `const`, `anyOf`, the string, number and array bounds, and
 * annotations (`title`, `description`, `default`, `examples`). A schema with any other keyword is refused when the
 * configuration loads, so no constraint an operator wrote is ever silently ignored. (TypeBox's Value.Check reads
 * only schemas TypeBox built, and the JSON Schema compiler Fastify uses is not a dependency of this project.)
 */
import { isRecord } from "../isRecord.js";

export type JsonSchema = Readonly<Record<string, unknown>>;

const TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const ANNOTATIONS = new Set(["title", "description", "default", "examples", "$comment", "$schema"]);
const COUNTS = ["minLength", "maxLength", "minItems", "maxItems"] as const;
const BOUNDS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] as const;
const KEYWORDS = new Set([
  ...ANNOTATIONS,
  ...COUNTS,
  ...BOUNDS,
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "anyOf",
  "pattern",
]);
/** Enough to tell the model what to fix; a long list only repeats itself. */
const MAX_ERRORS = 10;

/** What is wrong with a schema as a schema (empty: usable); paths are JSON pointers into it. */
export function schemaProblems(schema: unknown, at = ""): string[] {
  if (!isRecord(schema)) return [`${at || "/"}: a schema must be an object`];
  const problems: string[] = [];
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key)) problems.push(`${at}/${key}: unsupported JSON Schema keyword (supported: ${[...KEYWORDS].filter((k) => !ANNOTATIONS.has(k)).join(", ")})`);
  }
  const { type, properties, required, additionalProperties, items, anyOf, pattern } = schema;
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  if (types.length === 0 && type !== undefined) problems.push(`${at}/type: an empty list`);
  for (const name of types) if (typeof name !== "string" || !TYPES.has(name)) problems.push(`${at}/type: unknown type ${JSON.stringify(name)}`);
  if (properties !== undefined) {
    if (!isRecord(properties)) problems.push(`${at}/properties: must be an object`);
    else for (const [name, child] of Object.entries(properties)) problems.push(...schemaProblems(child, `${at}/properties/${name}`));
  }
  if (required !== undefined && !(Array.isArray(required) && required.every((name) => typeof name === "string"))) {
    problems.push(`${at}/required: must be a list of property names`);
  }
  if (additionalProperties !== undefined && typeof additionalProperties !== "boolean") problems.push(...schemaProblems(additionalProperties, `${at}/additionalProperties`));
  if (items !== undefined) problems.push(...schemaProblems(items, `${at}/items`));
  if (anyOf !== undefined) {
    if (!Array.isArray(anyOf) || anyOf.length === 0) problems.push(`${at}/anyOf: must be a non-empty list of schemas`);
    else anyOf.forEach((child, i) => problems.push(...schemaProblems(child, `${at}/anyOf/${i}`)));
  }
  if (schema.enum !== undefined && !(Array.isArray(schema.enum) && schema.enum.length > 0)) problems.push(`${at}/enum: must be a non-empty list`);
  for (const key of COUNTS) {
    const value = schema[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) problems.push(`${at}/${key}: must be a non-negative integer`);
  }
  for (const key of BOUNDS) if (schema[key] !== undefined && typeof schema[key] !== "number") problems.push(`${at}/${key}: must be a number`);
  if (pattern !== undefined) {
    if (typeof pattern !== "string") problems.push(`${at}/pattern: must be a string`);
    else {
      try {
        new RegExp(pattern, "u");
      } catch (error) {
        problems.push(`${at}/pattern: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** Where a value breaks the schema (empty: valid), at most MAX_ERRORS; paths are JSON pointers into the value. */
export function validateJson(schema: JsonSchema, value: unknown): string[] {
  const errors: string[] = [];
  check(schema, value, "", errors);
  return errors.slice(0, MAX_ERRORS);
}

function check(schema: JsonSchema, value: unknown, at: string, errors: string[]): void {
  if (errors.length >= MAX_ERRORS) return;
  const where = at || "/";
  const fail = (message: string): void => {
    errors.push(`${where}: ${message}`);
  };
  const { type } = schema;
  if (type !== undefined) {
    const types = (Array.isArray(type) ? type : [type]) as string[];
    if (!types.some((name) => hasType(value, name))) {
      fail(`must be ${types.join(" or ")}`);
      return;
    }
  }
  if (schema.const !== undefined && !sameJson(schema.const, value)) fail(`must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => sameJson(option, value))) {
    fail(`must be one of ${schema.enum.map((option) => JSON.stringify(option)).join(", ")}`);
  }
  if (Array.isArray(schema.anyOf)) {
    const matches = (schema.anyOf as JsonSchema[]).some((option) => {
      const inner: string[] = [];
      check(option, value, at, inner);
      return inner.length === 0;
    });
    if (!matches) fail("matches none of the allowed shapes (anyOf)");
  }
  if (typeof value === "string") checkString(schema, value, fail);
  else if (typeof value === "number") checkNumber(schema, value, fail);
  else if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) fail(`must have at least ${schema.minItems} items`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) fail(`must have at most ${schema.maxItems} items`);
    if (isRecord(schema.items)) value.forEach((item, i) => check(schema.items as JsonSchema, item, `${at}/${i}`, errors));
  } else if (isRecord(value)) checkObject(schema, value, at, errors, fail);
}

function checkString(schema: JsonSchema, value: string, fail: (message: string) => void): void {
  const length = Array.from(value).length;
  if (typeof schema.minLength === "number" && length < schema.minLength) fail(`must be at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === "number" && length > schema.maxLength) fail(`must be at most ${schema.maxLength} characters`);
  if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) fail(`must match ${schema.pattern}`);
}

function checkNumber(schema: JsonSchema, value: number, fail: (message: string) => void): void {
  if (typeof schema.minimum === "number" && value < schema.minimum) fail(`must be >= ${schema.minimum}`);
  if (typeof schema.maximum === "number" && value > schema.maximum) fail(`must be <= ${schema.maximum}`);
  if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) fail(`must be > ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) fail(`must be < ${schema.exclusiveMaximum}`);
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, at: string, errors: string[], fail: (message: string) => void): void {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
    if (!Object.hasOwn(value, name)) fail(`is missing the required property ${JSON.stringify(name)}`);
  }
  for (const [name, item] of Object.entries(value)) {
    const path = `${at}/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    const declared = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (isRecord(declared)) check(declared, item, path, errors);
    else if (schema.additionalProperties === false) errors.push(`${path}: is not an allowed property`);
    else if (isRecord(schema.additionalProperties)) check(schema.additionalProperties, item, path, errors);
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return isRecord(value);
    default:
      return typeof value === type;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return false;
}
