// Stress: 30 s steps at rising rates; the run aborts at the first threshold crossed, and the rate reached then
// is the answer.
import { arrival, oneRequest } from "./common.js";

const rates = [100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 4000, 6000, 8000];

export const options = {
  scenarios: {
    stress: { executor: "ramping-arrival-rate", startRate: rates[0], stages: rates.flatMap((target) => [{ target, duration: "1s" }, { target, duration: "29s" }]), ...arrival },
  },
  thresholds: {
    "http_req_duration{kind:api}": [{ threshold: "p(95)<200", abortOnFail: true, delayAbortEval: "10s" }],
    ttft: [{ threshold: "p(95)<3000", abortOnFail: true, delayAbortEval: "10s" }],
    http_req_failed: [{ threshold: "rate<0.001", abortOnFail: true, delayAbortEval: "10s" }],
  },
};

export default oneRequest;
