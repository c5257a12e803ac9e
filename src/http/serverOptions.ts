/**
 * The Fastify/Node server settings that come from `server`: TLS and HTTP/2 (HTTP/1.1 still offered through
 * ALPN), and the connection timeouts. Certificate files are read once at start; rotating them needs a restart.
 */
import { readFileSync } from "node:fs";
import type { Config } from "../config/schema.js";

export interface ServerOptions {
  http2?: true;
  https?: { key: Buffer; cert: Buffer; allowHTTP1?: boolean };
  keepAliveTimeout: number;
  connectionTimeout: number;
  requestTimeout: number;
  http2SessionTimeout?: number;
}

export function serverOptions(server: Readonly<Config["server"]>): ServerOptions {
  const { timeouts, tls } = server;
  const base = {
    keepAliveTimeout: timeouts.keepAliveMs,
    // Socket inactivity: above any silence inside a stream (a slow first token, a long tool call).
    connectionTimeout: timeouts.idleMs,
    // Receiving the whole request (headers and body); responses, streams included, are not bounded by it.
    requestTimeout: timeouts.receiveMs,
  };
  if (!tls) return base;
  const credentials = { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) };
  return tls.http2
    ? { ...base, http2: true, https: { ...credentials, allowHTTP1: true }, http2SessionTimeout: timeouts.idleMs }
    : { ...base, https: credentials };
}
