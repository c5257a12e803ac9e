/** A fake XMLHttpRequest for upload tests: records what was sent; the test drives progress and the answer. */
import type { XhrLike } from "../pages/documents/uploadDocument";

export class FakeXhr implements XhrLike {
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: FormData | undefined;
  aborted = false;
  status = 0;
  responseText = "";
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: ((event: ProgressEvent) => void) | null = null;
  onerror: ((event: ProgressEvent) => void) | null = null;
  onabort: ((event: ProgressEvent) => void) | null = null;

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }

  send(body: FormData): void {
    this.body = body;
  }

  abort(): void {
    this.aborted = true;
    this.onabort?.(new ProgressEvent("abort"));
  }

  progress(loaded: number, total: number): void {
    this.upload.onprogress?.(new ProgressEvent("progress", { loaded, total, lengthComputable: true }));
  }

  respond(status: number, body: unknown): void {
    this.status = status;
    this.responseText = body === undefined ? "" : JSON.stringify(body);
    this.onload?.(new ProgressEvent("load"));
  }

  fail(): void {
    this.onerror?.(new ProgressEvent("error"));
  }
}

/** Hands out fake requests and keeps them, in order, for the test. */
export function fakeXhrs(): { create: () => XhrLike; made: FakeXhr[] } {
  const made: FakeXhr[] = [];
  return {
    made,
    create: () => {
      const xhr = new FakeXhr();
      made.push(xhr);
      return xhr;
    },
  };
}
