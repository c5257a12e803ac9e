/** A service a benchmark started in a child process and must stop. */
export interface RunningService {
  name: string;
  /** Origin, e.g. http://127.0.0.1:PORT (no path). */
  url: string;
  pid: number | undefined;
  /** The last lines of its output, for failure messages. */
  tail(): string;
  /** Stops the process and removes whatever it was given to work in. */
  stop(): Promise<void>;
}
