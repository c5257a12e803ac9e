/**
 * Compression (gzip, brotli) of JSON responses above a size threshold. Streams are never compressed: SSE routes
 * hijack the reply, which bypasses this, and a compressed event stream would sit in zlib's buffer. Brotli at a low
 * quality: its default (11) costs tens of milliseconds per response, far more than the bytes it saves here.
 */
import fastifyCompress from "@fastify/compress";
import type { FastifyInstance } from "fastify";
import { constants } from "node:zlib";
import type { Config } from "../config/schema.js";

export function compression(app: FastifyInstance, config: Readonly<Config["server"]["compression"]>): void {
  if (!config.enabled) return;
  void app.register(fastifyCompress, {
    global: true,
    threshold: config.thresholdBytes,
    encodings: ["br", "gzip"],
    customTypes: /^application\/(?:[\w.+-]+\+)?json/,
    brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
    zlibOptions: { level: 6 },
  });
}
