// Spike: 100 requests/s, 500 at once for 36 s, then 100 again (3 minutes in all).
import { arrival, oneRequest, thresholds } from "./common.js";

export const options = {
  scenarios: {
    spike: {
      executor: "ramping-arrival-rate",
      startRate: 100,
      stages: [
        { target: 100, duration: "72s" },
        { target: 500, duration: "1s" },
        { target: 500, duration: "35s" },
        { target: 100, duration: "1s" },
        { target: 100, duration: "71s" },
      ],
      ...arrival,
    },
  },
  thresholds,
};

export default oneRequest;
