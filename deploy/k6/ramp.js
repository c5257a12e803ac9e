// Ramp: 10 → 1,000 requests/s over 5 minutes.
import { arrival, oneRequest, thresholds } from "./common.js";

export const options = {
  scenarios: { ramp: { executor: "ramping-arrival-rate", startRate: 10, stages: [{ target: 1000, duration: __ENV.DURATION || "5m" }], ...arrival } },
  thresholds,
};

export default oneRequest;
