/**
 * OpenAI's Responses request body, as `/v1/responses` validates it. Items, content parts and tools are checked
 * loosely here (any `type`) so that responsesToChatRequest can refuse what no engine can carry with a 400 naming
 * the field, rather than a schema error that names a union branch. Fields the gateway does not translate
 * (reasoning, truncation, include, service_tier, …) are accepted and ignored; see responsesToChatRequest.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";

// The SDK sends `null` for a field the caller set to null, as the API allows for most of them.
const nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const contentPart = Type.Object({
  type: Type.String({ minLength: 1 }),
  text: Type.Optional(Type.String()),
  refusal: Type.Optional(Type.String()),
  image_url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const inputItem = Type.Object(
  {
    type: Type.Optional(Type.String({ minLength: 1, description: "`message` (the default), `function_call` or `function_call_output`" })),
    role: Type.Optional(Type.Union([Type.Literal("user"), Type.Literal("assistant"), Type.Literal("system"), Type.Literal("developer")])),
    content: Type.Optional(Type.Union([Type.String(), Type.Array(contentPart)])),
    call_id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    arguments: Type.Optional(Type.String()),
    output: Type.Optional(Type.Union([Type.String(), Type.Array(contentPart)])),
  },
  { description: "A message (text parts only), a function_call the model made, or a function_call_output answering one" },
);

const tool = Type.Object({
  type: Type.String({ minLength: 1, description: "Only `function` tools; hosted tools (web_search, file_search, …) are refused" }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  description: nullable(Type.String()),
  parameters: nullable(Type.Object({})),
  strict: nullable(Type.Boolean()),
});

const toolChoice = Type.Union([
  Type.Literal("auto"),
  Type.Literal("none"),
  Type.Literal("required"),
  Type.Object({ type: Type.String({ minLength: 1 }), name: Type.Optional(Type.String({ minLength: 1 })) }),
]);

const textConfig = Type.Object({
  format: Type.Optional(
    Type.Object({
      type: Type.String({ minLength: 1, description: "`text`, `json_object` or `json_schema`" }),
      name: Type.Optional(Type.String()),
      schema: Type.Optional(Type.Object({})),
      description: Type.Optional(Type.String()),
      strict: nullable(Type.Boolean()),
    }),
  ),
});

export const responsesBody = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      description: "A route, `engine/model`, a model id served by exactly one engine, an engine name (its first model), or `auto`",
    }),
    input: Type.Optional(Type.Union([Type.String(), Type.Array(inputItem)], { description: "The whole conversation: nothing is stored between requests" })),
    instructions: nullable(Type.String()),
    max_output_tokens: nullable(Type.Integer({ minimum: 1 })),
    temperature: nullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: nullable(Type.Number({ minimum: 0, maximum: 1 })),
    tools: Type.Optional(Type.Array(tool)),
    tool_choice: Type.Optional(toolChoice),
    parallel_tool_calls: nullable(Type.Boolean()),
    text: Type.Optional(textConfig),
    stream: nullable(Type.Boolean()),
    store: nullable(Type.Boolean({ description: "Accepted, but nothing is stored: the response says `store: false`" })),
    previous_response_id: nullable(Type.String({ description: "Refused: stored responses are not supported yet" })),
    metadata: nullable(Type.Record(Type.String(), Type.String())),
    user: Type.Optional(Type.String()),
  },
  { description: "OpenAI's Responses request. Unknown fields (reasoning, truncation, include, …) are accepted and not passed on." },
);

export type ResponsesBody = Static<typeof responsesBody> & Record<string, unknown>;
export type InputItem = Static<typeof inputItem>;
export type ContentPart = Static<typeof contentPart>;
export type ResponsesTool = Static<typeof tool>;
