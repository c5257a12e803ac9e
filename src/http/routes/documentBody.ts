/**
 * A document submission as it arrives: a JSON body, or a multipart form with one file (markdown, HTML or plain
 * text, told apart by its content type or file name) and the metadata as fields. Either way it becomes the same
 * DocumentInput, and either way a wrong field is a 400 naming it.
 */
import type { FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { GatewayError } from "../../errors.js";
import type { DocumentInput } from "../../documents/ingestDocument.js";
import { documentFormats, type DocumentFormat } from "../../documents/prepareDocument.js";

export const documentJsonBody = Type.Object(
  {
    projectId: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.String({ minLength: 1, maxLength: 100 }),
    title: Type.String({ minLength: 1, maxLength: 500 }),
    content: Type.String({ minLength: 1 }),
    format: Type.Optional(Type.Unsafe<DocumentFormat>({ type: "string", enum: [...documentFormats], default: "markdown" })),
    accessLevel: Type.Optional(Type.Integer({ minimum: 0, description: "0 is public; higher is more restricted" })),
    references: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000, description: "ids of referenced documents" })),
  },
  { additionalProperties: false },
);

const FIELDS = new Set(["projectId", "type", "title", "format", "accessLevel", "references"]);

export async function readDocumentBody(request: FastifyRequest, maxBytes: number): Promise<DocumentInput> {
  if (!request.isMultipart()) {
    // Only JSON bodies were validated against the schema; any other type Fastify parsed (text) is not a submission.
    if (!/^application\/json\b/i.test(request.headers["content-type"] ?? "") || typeof request.body !== "object" || request.body === null) {
      throw new GatewayError("invalid_request", "send the document as application/json or multipart/form-data", { status: 415 });
    }
    const body = request.body as Static<typeof documentJsonBody>;
    return { ...body, format: body.format ?? "markdown" };
  }
  const fields = new Map<string, string>();
  let file: { content: string; format: DocumentFormat } | undefined;
  for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 256 * 1024 } })) {
    if (part.type === "file") {
      const data = await part.toBuffer();
      file = { content: decodeUtf8(data), format: formatOf(part.mimetype, part.filename) };
      continue;
    }
    if (!FIELDS.has(part.fieldname)) throw invalid(part.fieldname, `unknown field "${part.fieldname}" (expected: file, ${[...FIELDS].join(", ")})`);
    if (typeof part.value !== "string") throw invalid(part.fieldname, `${part.fieldname} must be text`);
    fields.set(part.fieldname, part.value);
  }
  if (file === undefined) throw invalid("file", "a multipart submission needs a file part with the document");
  const required = (name: string) => {
    const value = fields.get(name);
    if (value === undefined || value.trim() === "") throw invalid(name, `${name} is required`);
    return value;
  };
  const format = fields.get("format");
  if (format !== undefined && !documentFormats.includes(format as DocumentFormat)) throw invalid("format", `format must be one of: ${documentFormats.join(", ")}`);
  return {
    projectId: required("projectId"),
    type: required("type"),
    title: required("title"),
    content: file.content,
    format: (format as DocumentFormat | undefined) ?? file.format,
    accessLevel: accessLevelField(fields.get("accessLevel")),
    references: referencesField(fields.get("references")),
  };
}

function accessLevelField(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text.trim())) throw invalid("accessLevel", "accessLevel must be a non-negative integer");
  return Number(text.trim());
}

/** A JSON array of ids, or ids separated by commas. */
function referencesField(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  if (text.trim().startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((id): id is string => typeof id === "string" && id !== "")) {
      throw invalid("references", "references must be a JSON array of document ids or a comma-separated list");
    }
    return parsed;
  }
  return text.split(",").map((id) => id.trim()).filter(Boolean);
}

function formatOf(mimetype: string, filename: string): DocumentFormat {
  const type = mimetype.toLowerCase();
  if (type === "text/html" || /\.html?$/i.test(filename)) return "html";
  if (type === "text/markdown" || type === "text/x-markdown" || /\.(md|markdown)$/i.test(filename)) return "markdown";
  if (type.startsWith("text/") || type === "application/octet-stream") return "text";
  throw new GatewayError("invalid_request", `unsupported file type ${mimetype}: send text/markdown, text/html or text/plain`, { param: "file", status: 415 });
}

function decodeUtf8(data: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    throw invalid("file", "the file is not valid UTF-8 text");
  }
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError("invalid_request", message, { param });
}
