/** The one JSON line a bench server prints once it accepts connections (read by startListening). */
import type { AddressInfo } from "node:net";

export function announceListening(what: string, address: AddressInfo | string | null): void {
  if (address === null || typeof address === "string") throw new Error(`${what}: not listening on a TCP port`);
  const host = address.address.includes(":") ? `[${address.address}]` : address.address;
  process.stdout.write(`${JSON.stringify({ msg: `${what} listening`, url: `http://${host}:${address.port}`, pid: process.pid })}\n`);
}
