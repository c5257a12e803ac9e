/**
 * Anthropic's Messages request body, as `/v1/messages` validates it. Fields Switchyard does not translate are
 * allowed (Anthropic's own clients send `thinking`, `metadata`, `service_tier`, beta fields) and, where no engine
 * could honour them, ignored; see messagesToChatRequest for which.
 */
import { Type, type Static } from "@sinclair/typebox";

const textBlock = Type.Object({ type: Type.Literal("text"), text: Type.String() });

/** Every block type the API knows is accepted here; messagesToChatRequest refuses the ones it cannot carry. */
const contentBlock = Type.Object({
  type: Type.String({ minLength: 1 }),
  text: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  input: Type.Optional(Type.Unknown()),
  tool_use_id: Type.Optional(Type.String()),
  content: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) }))])),
  is_error: Type.Optional(Type.Boolean()),
  source: Type.Optional(
    Type.Object({ type: Type.String(), media_type: Type.Optional(Type.String()), data: Type.Optional(Type.String()), url: Type.Optional(Type.String()) }),
  ),
});

const message = Type.Object({
  role: Type.Union([Type.Literal("user"), Type.Literal("assistant")]),
  content: Type.Union([Type.String(), Type.Array(contentBlock)]),
});

const tool = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.Optional(Type.String()),
  input_schema: Type.Optional(Type.Object({})),
  type: Type.Optional(Type.String()),
});

const toolChoice = Type.Object({
  type: Type.Union([Type.Literal("auto"), Type.Literal("any"), Type.Literal("tool"), Type.Literal("none")]),
  name: Type.Optional(Type.String({ minLength: 1 })),
  disable_parallel_tool_use: Type.Optional(Type.Boolean()),
});

const common = {
  model: Type.String({
    minLength: 1,
    description: "A route, `engine/model`, a model id served by exactly one engine, an engine name (its first model), or `auto`",
  }),
  messages: Type.Array(message, { minItems: 1 }),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(textBlock)])),
  tools: Type.Optional(Type.Array(tool)),
  tool_choice: Type.Optional(toolChoice),
};

export const messagesBody = Type.Object(
  {
    ...common,
    max_tokens: Type.Integer({ minimum: 1, description: "Required, as Anthropic requires it" }),
    stream: Type.Optional(Type.Boolean()),
    stop_sequences: Type.Optional(Type.Array(Type.String())),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_k: Type.Optional(Type.Integer({ minimum: 0 })),
    metadata: Type.Optional(Type.Object({ user_id: Type.Optional(Type.Union([Type.String(), Type.Null()])) })),
  },
  { description: "Anthropic's Messages request. Unknown fields (thinking, service_tier, …) are accepted and not passed on." },
);

export const countTokensBody = Type.Object(common, { description: "The same fields as a Messages request; max_tokens is not needed." });

export type MessagesBody = Static<typeof messagesBody>;
export type CountTokensBody = Static<typeof countTokensBody>;
export type MessageParam = Static<typeof message>;
export type ContentBlockParam = Static<typeof contentBlock>;
