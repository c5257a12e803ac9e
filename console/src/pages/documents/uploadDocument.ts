/**
 * Uploads a document as multipart/form-data with XMLHttpRequest, whose upload events report progress (fetch has
 * none). The session cookie goes along (same origin) and the CSRF token as a header; an error answer becomes an
 * ApiError like any other call's.
 */
import { ApiError, isRecord } from "../../api/apiError";

/** The part of XMLHttpRequest an upload uses (the browser's, or a fake in tests). */
export interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: FormData): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null };
  onload: ((event: ProgressEvent) => void) | null;
  onerror: ((event: ProgressEvent) => void) | null;
  onabort: ((event: ProgressEvent) => void) | null;
}

export interface UploadOptions {
  createXhr: () => XhrLike;
  url: string;
  form: FormData;
  headers: Record<string, string>;
  /** 0..1 as the bytes go out. */
  onProgress: (fraction: number) => void;
  signal?: AbortSignal;
}

export function uploadDocument<T>(options: UploadOptions): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const xhr = options.createXhr();
    xhr.open("POST", options.url);
    for (const [name, value] of Object.entries({ accept: "application/json", ...options.headers })) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload failed: the gateway could not be reached"));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled", "AbortError"));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText === "" ? undefined : JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress(1);
        resolve({ status: xhr.status, body: body as T });
        return;
      }
      const error = isRecord(body) && isRecord(body.error) ? body.error : {};
      reject(
        new ApiError(
          xhr.status,
          typeof error.code === "string" ? error.code : `http_${xhr.status}`,
          typeof error.message === "string" ? error.message : `The gateway answered ${xhr.status}`,
          typeof error.traceId === "string" ? error.traceId : undefined,
          typeof error.param === "string" ? error.param : undefined,
        ),
      );
    };
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(options.form);
  });
}
