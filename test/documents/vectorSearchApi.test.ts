/**
 * Vector and hybrid retrieval through the HTTP API of a real gateway, with `embeddings: {engine, model}` served
 * by the mock upstream (feature-hashed bag of words with synonyms): filing embeds the chunks, search is hybrid by
 * default with per-result scores and a `mode` parameter, an embedding engine failure fails ingestion (sync and
 * job) and degrades search as documented, the retrieve span and metrics show it, and a change of embedding model
 * is detected at start and repaired by the re-embedding job. Without an embedding model, or on SQLite without
 * its vector extension, retrieval is full text only.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type StartGatewayOptions, type TestGateway } from "../support/startGateway.js";
import { hashedEmbeddingScript } from "../support/hashedEmbedding.js";
import { eventually } from "../support/eventually.js";
import type { ErrorBody } from "../support/apiTypes.js";

const synonyms = { car: "automobile", vehicle: "automobile", upkeep: "maintenance", servicing: "maintenance" };

interface Hit {
  documentId: string;
  title: string;
  score: number;
  lexicalScore: number | null;
  vectorScore: number | null;
  via: string;
}
interface Search {
  data: Hit[];
  mode: string;
  vectorSkipped?: { code: string; message: string };
}

let mock: MockUpstream;
const exporter = new InMemorySpanExporter();

const engine = () => ({
  name: "emb",
  type: "openai",
  baseUrl: mock.url,
  embeddingModels: ["hash", "hash-v2"],
  retry: { attempts: 0 },
  breaker: { minRequests: 1000 },
  timeouts: { totalMs: 5000 },
});
const configWith = (extra: Record<string, unknown> = {}) => ({ engines: [engine()], jobs: { attempts: 2, backoffMs: 10 }, ...extra });

const json = async <T>(response: Response, status: number): Promise<T> => {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return JSON.parse(text) as T;
};
const send = (gateway: TestGateway, method: string, path: string, body?: unknown) =>
  fetch(`${gateway.url}${path}`, { method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }) });
const search = async (gateway: TestGateway, query: string) => json<Search>(await send(gateway, "GET", `/api/v2/search?${query}`), 200);
const fileDocument = async (gateway: TestGateway, projectId: string, title: string, content: string) =>
  (await json<{ id: string; chunkCount: number }>(await send(gateway, "POST", "/api/v2/documents", { projectId, type: "note", title, content, format: "text" }), 201)).id;
const embeddingRequests = () => mock.requests.filter((request) => request.path.startsWith("/v1/embeddings"));
const failEmbeddings = () => {
  mock.script = () => ({ status: 500, errorMessage: "embeddings are down" });
};
const serveEmbeddings = () => {
  mock.script = hashedEmbeddingScript({ synonyms });
};

function logLines(): { lines: Array<Record<string, unknown>>; options: StartGatewayOptions } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, options: { logDestination: destination, logLevel: "warn" } };
}

before(async () => {
  mock = await startMockUpstream();
  serveEmbeddings();
});
after(async () => {
  await mock.close();
});

describe("with an embedding model", () => {
  let gateway: TestGateway;
  let car: string;
  before(async () => {
    gateway = await startGateway(configWith({ embeddings: { engine: "emb", model: "hash" } }), {
      keepData: true,
      telemetry: { spanProcessors: [new SimpleSpanProcessor(exporter)] },
    });
  });
  after(async () => {
    await gateway.stop();
  });

  test("filing embeds the chunks; search is hybrid by default and finds by meaning, with both scores", async () => {
    mock.requests = [];
    car = await fileDocument(gateway, "garage", "Automobile maintenance", "Automobile maintenance schedule.");
    await fileDocument(gateway, "garage", "Bicycle repair", "Bicycle chain repair guide.");
    const inputs = embeddingRequests().map((request) => request.body.input);
    assert.deepEqual(inputs, [["Automobile maintenance\nAutomobile maintenance schedule."], ["Bicycle repair\nBicycle chain repair guide."]]);
    assert.ok(embeddingRequests().every((request) => request.body.model === "hash"));

    const hybrid = await search(gateway, "q=car%20upkeep&projectId=garage");
    assert.equal(hybrid.mode, "hybrid");
    assert.equal(hybrid.vectorSkipped, undefined);
    assert.deepEqual(hybrid.data.map((hit) => [hit.documentId, hit.score, hit.lexicalScore]), [[car, 1, null]]);
    assert.ok((hybrid.data[0]?.vectorScore ?? 0) >= 0.7);

    const lexical = await search(gateway, "q=car%20upkeep&projectId=garage&mode=lexical");
    assert.deepEqual([lexical.mode, lexical.data], ["lexical", []]);
    const both = await search(gateway, "q=automobile%20maintenance&projectId=garage&mode=hybrid");
    assert.equal(both.data[0]?.documentId, car);
    assert.ok(typeof both.data[0]?.lexicalScore === "number" && typeof both.data[0]?.vectorScore === "number", "found by both");
    const strict = await search(gateway, "q=car%20upkeep&projectId=garage&mode=vector&vectorThreshold=0.99");
    assert.deepEqual([strict.mode, strict.data], ["vector", []]);

    const bad = await json<ErrorBody>(await send(gateway, "GET", "/api/v2/search?q=car&mode=semantic"), 400);
    assert.equal(bad.error.code, "invalid_request");
  });

  test("the retrieve span is the parent of the query's embedding call", async () => {
    exporter.reset();
    await search(gateway, "q=vehicle%20servicing&projectId=garage");
    const spans = await eventually(() => {
      const found = exporter.getFinishedSpans();
      return found.some((span) => span.name === "retrieve") ? found : undefined;
    }, 3000, "the retrieve span");
    const retrieve = spans.find((span) => span.name === "retrieve");
    const embedding = spans.find((span) => span.name === "embeddings hash");
    assert.ok(retrieve && embedding);
    assert.equal(embedding.parentSpanContext?.spanId, retrieve.spanContext().spanId);
    assert.equal(retrieve.attributes["switchyard.retrieval.mode"], "hybrid");
    assert.equal(retrieve.attributes["switchyard.retrieval.results"], 1);
  });

  test("the embedding engine down at query time: hybrid answers 200 from full text with vectorSkipped; vector is the engine's error", async () => {
    failEmbeddings();
    try {
      const degraded = await search(gateway, "q=automobile&projectId=garage");
      assert.equal(degraded.mode, "lexical");
      assert.equal(degraded.vectorSkipped?.code, "upstream_error");
      assert.deepEqual(degraded.data.map((hit) => [hit.documentId, hit.vectorScore]), [[car, null]]);
      const failed = await json<ErrorBody>(await send(gateway, "GET", "/api/v2/search?q=automobile&projectId=garage&mode=vector"), 502);
      assert.equal(failed.error.code, "upstream_error");
    } finally {
      serveEmbeddings();
    }
    const metrics = await (await send(gateway, "GET", "/metrics")).text();
    assert.match(metrics, /retriever_duration_seconds_count\{mode="hybrid",outcome="ok"\} [1-9]/);
    assert.match(metrics, /retriever_duration_seconds_count\{mode="hybrid",outcome="degraded"\} 1\b/);
    assert.match(metrics, /retriever_duration_seconds_count\{mode="vector",outcome="error"\} 1\b/);
  });

  test("the embedding engine down at ingestion: 502 and nothing filed; as a job, retried and then failed with the engine's code", async () => {
    failEmbeddings();
    try {
      const refused = await json<ErrorBody>(
        await send(gateway, "POST", "/api/v2/documents", { projectId: "outage", type: "note", title: "Lost", content: "Never filed." }),
        502,
      );
      assert.equal(refused.error.code, "upstream_error");
      mock.requests = [];
      const queued = await json<{ jobId: string }>(
        await send(gateway, "POST", "/api/v2/documents?async=true", { projectId: "outage", type: "note", title: "Queued", content: "Never filed either." }),
        202,
      );
      const status = await eventually(async () => {
        const job = await json<{ status: string; error?: { code: string } }>(await send(gateway, "GET", `/api/v2/documents/jobs/${queued.jobId}`), 200);
        return job.status === "failed" ? job : undefined;
      }, 10_000, "the ingestion job to fail");
      assert.equal(status.error?.code, "upstream_error");
      assert.equal(embeddingRequests().length, 2, "jobs.attempts runs");
    } finally {
      serveEmbeddings();
    }
    const listed = await json<{ data: unknown[] }>(await send(gateway, "GET", "/api/v2/documents?projectId=outage"), 200);
    assert.deepEqual(listed.data, []);

    const queued = await json<{ jobId: string }>(
      await send(gateway, "POST", "/api/v2/documents?async=true", { projectId: "outage", type: "note", title: "Vehicle servicing", content: "Vehicle servicing log." }),
      202,
    );
    await eventually(async () => {
      const job = await json<{ status: string }>(await send(gateway, "GET", `/api/v2/documents/jobs/${queued.jobId}`), 200);
      return job.status === "completed";
    }, 10_000, "the ingestion job to complete");
    const found = await search(gateway, "q=car%20upkeep&projectId=outage&mode=vector");
    assert.deepEqual(found.data.map((hit) => hit.title), ["Vehicle servicing"]);
  });

  test("a change of embedding model: warned at start, old vectors unused, the re-embedding job brings them back", async () => {
    await gateway.stop();
    const { lines, options } = logLines();
    gateway = await startGateway(configWith({ embeddings: { engine: "emb", model: "hash-v2" } }), { ...options, dataDir: gateway.dataDir });
    const stale = await eventually(() => lines.find((line) => String(line.msg).includes("reembed")), 3000, "the stale-vector warning");
    const before = await json<{ model: string; chunks: number; current: number; otherModel: number; missing: number }>(
      await send(gateway, "GET", "/api/v2/admin/documents/embeddings"),
      200,
    );
    assert.equal(before.model, "emb/hash-v2");
    assert.ok(before.chunks >= 3);
    assert.deepEqual([before.current, before.otherModel, before.missing], [0, before.chunks, 0]);
    assert.equal(stale.otherModel, before.chunks);

    // hash-v2 answers the same vectors as hash: only the recorded model keeps them from being compared.
    assert.deepEqual((await search(gateway, "q=car%20upkeep&projectId=garage&mode=vector")).data, []);

    const queued = await json<{ jobId: string; status: string }>(await send(gateway, "POST", "/api/v2/admin/documents/reembed"), 202);
    const job = await eventually(async () => {
      const record = await json<{ state: string; result?: { model: string; embedded: number } }>(await send(gateway, "GET", `/api/v2/admin/jobs/${queued.jobId}`), 200);
      return record.state === "completed" ? record : undefined;
    }, 10_000, "the re-embedding job");
    assert.deepEqual(job.result, { model: "emb/hash-v2", embedded: before.chunks });
    const after = await json<{ current: number; otherModel: number }>(await send(gateway, "GET", "/api/v2/admin/documents/embeddings"), 200);
    assert.deepEqual([after.current, after.otherModel], [before.chunks, 0]);
    assert.equal((await search(gateway, "q=car%20upkeep&projectId=garage&mode=vector")).data[0]?.title, "Automobile maintenance");
  });
});

describe("without an embedding model", () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startGateway(configWith());
  });
  after(async () => {
    await gateway.stop();
  });

  test("search is full text; vector and hybrid are 400 invalid_request on mode; filing calls no embedding model", async () => {
    mock.requests = [];
    await fileDocument(gateway, "plain", "Automobile maintenance", "Automobile maintenance schedule.");
    assert.deepEqual(embeddingRequests(), []);
    const plain = await search(gateway, "q=automobile&projectId=plain");
    assert.equal(plain.mode, "lexical");
    assert.equal(plain.data[0]?.vectorScore, null);
    for (const mode of ["vector", "hybrid"]) {
      const refused = await json<ErrorBody>(await send(gateway, "GET", `/api/v2/search?q=automobile&mode=${mode}`), 400);
      assert.equal(refused.error.code, "invalid_request");
      assert.equal(refused.error.param, "mode");
    }
    const coverage = await json<{ model: null }>(await send(gateway, "GET", "/api/v2/admin/documents/embeddings"), 200);
    assert.equal(coverage.model, null);
    const reembed = await json<ErrorBody>(await send(gateway, "POST", "/api/v2/admin/documents/reembed"), 400);
    assert.equal(reembed.error.code, "invalid_request");
  });
});

describe("on SQLite without its vector extension", () => {
  let gateway: TestGateway;
  let lines: Array<Record<string, unknown>>;
  before(async () => {
    const capture = logLines();
    lines = capture.lines;
    gateway = await startGateway(configWith({ embeddings: { engine: "emb", model: "hash" } }), {
      ...capture.options,
      loadVectorExtension: () => {
        throw new Error("no sqlite-vec build for this platform");
      },
    });
  });
  after(async () => {
    await gateway.stop();
  });

  test("one warning at start; retrieval and ingestion are full text only", async () => {
    const warnings = lines.filter((line) => line.level === 40);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(String(warnings[0]?.msg), /sqlite-vec.*lexical only/);
    mock.requests = [];
    await fileDocument(gateway, "novec", "Automobile maintenance", "Automobile maintenance schedule.");
    assert.deepEqual(embeddingRequests(), []);
    assert.equal((await search(gateway, "q=automobile&projectId=novec")).mode, "lexical");
    const refused = await json<ErrorBody>(await send(gateway, "GET", "/api/v2/search?q=automobile&mode=vector"), 400);
    assert.equal(refused.error.param, "mode");
  });
});
