import { describeError } from "../api/apiError";

/** An API error as the user reads it: the gateway's message and its stable code. */
export function ErrorMessage({ error, prefix }: { error: unknown; prefix?: string }) {
  if (error === undefined || error === null) return null;
  const { message, code } = describeError(error);
  return (
    <p className="error" role="alert">
      {prefix !== undefined ? `${prefix}: ` : ""}
      {message}
      {code !== undefined ? <span className="error-code"> ({code})</span> : null}
    </p>
  );
}
