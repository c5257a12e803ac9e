import { Type, type Static } from "@sinclair/typebox";

const nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number> | ReturnType<typeof Type.Integer> | ReturnType<typeof Type.Boolean>>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]));

const contentPart = Type.Object({
  type: Type.String(),
  text: Type.Optional(Type.String()),
  image_url: Type.Optional(Type.Object({ url: Type.String(), detail: Type.Optional(Type.String()) })),
});

const toolCall = Type.Object({
  id: Type.String(),
  type: Type.Literal("function"),
  function: Type.Object({ name: Type.String(), arguments: Type.String() }),
});

const message = Type.Object({
  role: Type.Union([Type.Literal("system"), Type.Literal("developer"), Type.Literal("user"), Type.Literal("assistant"), Type.Literal("tool")]),
  content: Type.Optional(Type.Union([Type.String(), Type.Null(), Type.Array(contentPart)])),
  name: Type.Optional(Type.String()),
  tool_calls: Type.Optional(Type.Array(toolCall)),
  tool_call_id: Type.Optional(Type.String()),
});

const tool = Type.Object({
  type: Type.Literal("function"),
  function: Type.Object({
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Object({})),
    strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  }),
});

/** OpenAI's request body; fields the gateway does not interpret are allowed and passed to OpenAI-type engines. */
export const chatCompletionBody = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      description: "A route, `engine/model`, a model id served by exactly one engine, an engine name (its first model), or `auto`",
    }),
    messages: Type.Array(message, { minItems: 1, description: "Text parts, and image_url parts with base64 data URLs; other content parts are rejected" }),
    stream: nullable(Type.Boolean()),
    stream_options: Type.Optional(
      Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean({ description: "Adds a last chunk with the usage" })) }), Type.Null()]),
    ),
    max_tokens: nullable(Type.Integer({ minimum: 1 })),
    max_completion_tokens: nullable(Type.Integer({ minimum: 1 })),
    temperature: nullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: nullable(Type.Number({ minimum: 0, maximum: 1 })),
    n: nullable(Type.Integer({ minimum: 1, description: "Only 1 is supported" })),
    seed: nullable(Type.Integer()),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 }), Type.Null()])),
    tools: Type.Optional(Type.Array(tool)),
    tool_choice: Type.Optional(Type.Unknown()),
  },
  { description: "OpenAI's request body. Fields not listed here (response_format, penalties, …) are passed on unchanged to OpenAI-type engines." },
);

export type ChatCompletionBody = Static<typeof chatCompletionBody> & Record<string, unknown>;
