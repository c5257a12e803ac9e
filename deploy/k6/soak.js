// Soak: 100 requests/s for an hour. Watch the gateway's memory alongside (process_resident_memory_bytes on /metrics).
import { arrival, oneRequest, thresholds } from "./common.js";

export const options = {
  scenarios: { soak: { executor: "constant-arrival-rate", rate: 100, duration: __ENV.DURATION || "1h", ...arrival } },
  thresholds,
};

export default oneRequest;
