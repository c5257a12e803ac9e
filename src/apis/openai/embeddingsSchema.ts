import { Type, type Static } from "@sinclair/typebox";

const tokens = Type.Array(Type.Integer({ minimum: 0 }), { description: "Token ids" });

/** OpenAI's embeddings request body. Unlisted fields are ignored. */
export const embeddingsBody = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      description: "An embedding route, `engine/model`, an embedding model id served by exactly one engine, an engine name (its first embedding model), or `auto` (the configured `embeddings` default)",
    }),
    input: Type.Union([Type.String(), Type.Array(Type.String()), tokens, Type.Array(tokens)], {
      description: "A text, a list of texts, a token array or a list of token arrays (only for engines that take tokens); none may be empty",
    }),
    encoding_format: Type.Optional(Type.Union([Type.Literal("float"), Type.Literal("base64"), Type.Null()], { description: "float (default) or base64 (little-endian float32)" })),
    dimensions: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: "For models that can shorten their vectors" })),
    user: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { description: "OpenAI's embeddings request body." },
);

export type EmbeddingsBody = Static<typeof embeddingsBody>;
