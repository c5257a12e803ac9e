import assert from "node:assert/strict";
import { GatewayError, type ErrorCode } from "../../src/errors.js";

/** An assert.rejects/throws validator: a GatewayError with this code (and param, when given). */
export function gatewayError(code: ErrorCode, param?: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof GatewayError, `expected a GatewayError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (param !== undefined) assert.equal(error.param, param);
    return true;
  };
}
