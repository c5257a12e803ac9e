import { open, stat } from "node:fs/promises";
import path from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { linkSignals, untilAborted } from "../../abort.js";

export interface ResolveModelOptions {
  /** Where `hf:` (and URL) models are downloaded to and found again; relative paths are against cwd. */
  modelsDir: string;
  /** Cancels the download; the returned promise rejects as soon as it fires. */
  signal: AbortSignal;
  /** Draw node-llama-cpp's progress bar on stdout while downloading. */
  progressBar?: boolean;
  onProgress?: (progress: { downloadedBytes: number; totalBytes: number }) => void;
}

const remoteModel = /^(hf:|huggingface:|hf\.co\/|huggingface\.co\/|https?:\/\/)/i;

/** True for a model reference that names a download (an `hf:` URI or a URL) rather than a local file. */
export function isRemoteModel(model: string): boolean {
  return remoteModel.test(model.trim());
}

/**
 * Turns the configured `model` into the path of a local GGUF file. A plain path is taken relative to cwd. An
 * `hf:` URI or URL is looked up in `modelsDir` (so a model downloaded once is reused offline) and downloaded there
 * on first start. Throws an Error whose message says what is wrong and with which path.
 */
export async function resolveModel(model: string, options: ResolveModelOptions): Promise<string> {
  const reference = model.trim();
  if (!isRemoteModel(reference)) {
    const file = path.resolve(reference);
    await assertGgufFile(file);
    return file;
  }
  const directory = path.resolve(options.modelsDir);
  // Offline first: a model downloaded on an earlier start is found by its file name, without asking the hub.
  const existing = await resolveModelFile(reference, { directory, download: false, cli: false }).catch(() => undefined);
  if (existing) {
    await assertGgufFile(existing);
    return existing;
  }
  // The file under its own name, placed there by hand (a machine without a route to the hub), counts as downloaded.
  const placed = offlineFileName(reference);
  const placedFile = placed === undefined ? undefined : path.join(directory, placed);
  if (placedFile !== undefined && (await isFile(placedFile))) {
    await assertGgufFile(placedFile);
    return placedFile;
  }
  let file: string;
  try {
    // node-llama-cpp's downloader retries its set-up requests for minutes, ignoring the signal, when the hub is
    // unreachable; failing fast here keeps an offline start from leaving that running in the background.
    await assertReachable(downloadOrigin(reference), options.signal);
    file = await untilAborted(
      resolveModelFile(reference, {
        directory,
        download: "auto",
        cli: options.progressBar ?? false,
        signal: options.signal,
        onProgress: ({ downloadedSize, totalSize }) =>
          options.onProgress?.({ downloadedBytes: downloadedSize, totalBytes: totalSize }),
      }),
      options.signal,
    );
  } catch (error) {
    if (options.signal.aborted) throw error;
    const offline =
      placed === undefined
        ? "to start without the download, set model to the path of a local .gguf file"
        : `to start without the download, place ${placed} in ${directory}`;
    throw new Error(`cannot download model ${reference} into ${directory}: ${plainMessage(error)}; ${offline}`, { cause: error });
  }
  await assertGgufFile(file);
  return file;
}

/**
 * The file name a model reference names (`hf:user/repo/file.gguf`, or a URL ending in one); undefined for a
 * reference that leaves the file to the hub (`hf:user/repo:Q4_K_M`).
 */
export function offlineFileName(reference: string): string | undefined {
  if (/^https?:\/\//i.test(reference)) {
    const name = URL.canParse(reference) ? new URL(reference).pathname.split("/").at(-1) : undefined;
    return name !== undefined && /\.gguf$/i.test(name) ? name : undefined;
  }
  // hf:<user>/<repo>/<path to the file>[#branch]: a file only from the third part on.
  const parts = reference.replace(/#.*$/, "").split("/");
  const name = parts.at(-1) ?? "";
  return parts.length >= 3 && /\.gguf$/i.test(name) ? name : undefined;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Where node-llama-cpp downloads from: the URL's own origin, or the Hugging Face endpoint (same env overrides). */
function downloadOrigin(reference: string): string {
  if (/^https?:\/\//i.test(reference)) return new URL(reference).origin;
  const override = process.env["MODEL_ENDPOINT"] ?? process.env["HF_ENDPOINT"];
  return override && URL.canParse(override) ? new URL(override).origin : "https://huggingface.co";
}

const reachabilityTimeoutMs = 10_000;

/** Any HTTP answer will do: the point is to learn that the network path is there before starting a download. */
async function assertReachable(origin: string, signal: AbortSignal): Promise<void> {
  const link = linkSignals(signal, AbortSignal.timeout(reachabilityTimeoutMs));
  try {
    const response = await fetch(origin, { method: "HEAD", signal: link.signal, redirect: "manual" });
    await response.body?.cancel();
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`cannot reach ${origin}: ${messageWithCause(error)}`, { cause: error });
  } finally {
    link.unlink();
  }
}

/** Checks the file exists and starts with the GGUF magic, so a wrong path fails with a message, not a native crash. */
async function assertGgufFile(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if (codeOf(error) === "ENOENT") throw new Error(`model file not found: ${file}`, { cause: error });
    throw new Error(`cannot open model file ${file}: ${plainMessage(error)}`, { cause: error });
  }
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    if (bytesRead < 4 || magic.toString("latin1") !== "GGUF") {
      throw new Error(`not a GGUF model file: ${file}`);
    }
  } catch (error) {
    if (codeOf(error) === "EISDIR") throw new Error(`not a GGUF model file (a directory): ${file}`, { cause: error });
    throw error;
  } finally {
    await handle.close();
  }
}

function plainMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** fetch's own message ("fetch failed") says nothing; the cause says what failed (DNS, refused, TLS...). */
function messageWithCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

function codeOf(error: unknown): unknown {
  return error instanceof Error && "code" in error ? error.code : undefined;
}
