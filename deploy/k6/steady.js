// Steady: 100 requests/s for 10 minutes (DURATION overrides, e.g. DURATION=1m).
import { arrival, oneRequest, thresholds } from "./common.js";

export const options = {
  scenarios: { steady: { executor: "constant-arrival-rate", rate: 100, duration: __ENV.DURATION || "10m", ...arrival } },
  thresholds,
};

export default oneRequest;
