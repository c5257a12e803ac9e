// Shared by the profile scripts: the target, the request mix and the thresholds every profile is held to.
// BASE_URL (default http://127.0.0.1:8080), API_KEY (a Switchyard API key), MODEL (default mock/mock-model).
import http from "k6/http";
import { check } from "k6";
import { Trend } from "k6/metrics";

const baseUrl = __ENV.BASE_URL || "http://127.0.0.1:8080";
const model = __ENV.MODEL || "mock/mock-model";
const headers = { "content-type": "application/json", authorization: `Bearer ${__ENV.API_KEY || ""}` };
const body = (stream) => JSON.stringify({ model, messages: [{ role: "user", content: "Say hello." }], max_tokens: 32, stream });

// k6 reads a streamed answer whole; its time to first byte (waiting) is the time to first token.
export const ttft = new Trend("ttft", true);

export const thresholds = {
  // p95 < 200 ms for non-LLM API calls, TTFT p95 < 3 s, error rate < 0.1 %.
  "http_req_duration{kind:api}": ["p(95)<200"],
  ttft: ["p(95)<3000"],
  http_req_failed: ["rate<0.001"],
};

// One iteration is one request: 20 % GET /v1/models, 40 % plain completions, 40 % streamed.
export function oneRequest() {
  const pick = Math.random();
  if (pick < 0.2) {
    const res = http.get(`${baseUrl}/v1/models`, { headers, tags: { kind: "api" } });
    check(res, { "models 200": (r) => r.status === 200 });
  } else if (pick < 0.6) {
    const res = http.post(`${baseUrl}/v1/chat/completions`, body(false), { headers, tags: { kind: "chat" } });
    check(res, { "chat 200": (r) => r.status === 200 });
  } else {
    const res = http.post(`${baseUrl}/v1/chat/completions`, body(true), { headers, tags: { kind: "stream" } });
    ttft.add(res.timings.waiting);
    check(res, { "stream 200 with [DONE]": (r) => r.status === 200 && String(r.body).includes("[DONE]") });
  }
}

// Open-loop arrival rates, as the Node.js harness uses: requests start on schedule whatever the latency.
export const arrival = { preAllocatedVUs: 200, maxVUs: 5000, timeUnit: "1s" };
