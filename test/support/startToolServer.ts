/**
 * A real HTTP server on loopback standing in for the services `http` tools call: each path has a behaviour
 * (answer JSON, answer text, fail, hang, send too much, redirect), and every request is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ToolServerRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface ToolServer {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: ToolServerRequest[];
  /** Requests whose connection the client closed before an answer. */
  abandoned: number;
  /** The path of the other server a `/redirect-away` answer points at. */
  redirectAwayTo: string;
  close(): Promise<void>;
}

export async function startToolServer(): Promise<ToolServer> {
  const sockets = new Set<Socket>();
  const server: ToolServer = { url: "", requests: [], abandoned: 0, redirectAwayTo: "http://127.0.0.2:9/elsewhere", close: async () => undefined };

  const http = createServer((req, res) => {
    void handle(req, res);
  });
  http.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const url = new URL(req.url ?? "/", "http://tools.invalid");
    server.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    res.on("close", () => {
      if (!res.writableEnded) server.abandoned++;
    });
    const json = (status: number, value: unknown) => {
      const text = JSON.stringify(value);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    switch (url.pathname) {
      case "/weather": {
        const args = req.method === "GET" ? Object.fromEntries(url.searchParams) : (JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>);
        return json(200, { city: args.city, forecast: "sunny", celsius: 21 });
      }
      case "/text":
        res.writeHead(200, { "content-type": "text/plain" });
        return void res.end("plain words");
      case "/fail":
        return json(500, { message: "the weather service is down" });
      case "/hang":
        // Never answers: only the client's timeout ends it.
        return;
      case "/big":
        // No content-length: the limit has to be found while reading.
        res.writeHead(200, { "content-type": "application/json" });
        for (let i = 0; i < 64 && !res.destroyed; i++) res.write(`${"x".repeat(1024)}`);
        return void res.end();
      case "/redirect-home":
        res.writeHead(302, { location: "/weather?city=Bergen" });
        return void res.end();
      case "/redirect-away":
        res.writeHead(302, { location: server.redirectAwayTo });
        return void res.end();
      default:
        return json(404, { message: "no such path" });
    }
  }

  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  server.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  server.close = () =>
    new Promise<void>((resolve, reject) => {
      http.close((error) => (error ? reject(error) : resolve()));
      for (const socket of sockets) socket.destroy();
    });
  return server;
}
