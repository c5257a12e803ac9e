import { Type, type Static } from "@sinclair/typebox";

/** Query strings arrive as text and types are not coerced (a wrong type must be a 400), so limit is a digit string. */
export const pageQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: "^(100|[1-9][0-9]?)$", description: "1 to 100" })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

export function parsePageQuery(query: Static<typeof pageQuery>): { limit: number; cursor: string | undefined } {
  return { limit: query.limit ? Number(query.limit) : 20, cursor: query.cursor };
}
