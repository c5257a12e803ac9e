import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import type { DocumentRecord, IngestJob } from "../../api/types";
import { createFakeFetch, json } from "../../test/fakeFetch";
import { fakeXhrs } from "../../test/fakeXhr";
import { CSRF, renderPage } from "../../test/renderPage";
import { DocumentsPage } from "./DocumentsPage";
import { uploadDocument } from "./uploadDocument";

function doc(id: string, title: string): DocumentRecord {
  return { id, ownerId: "alice", projectId: "p1", type: "note", title, excerpt: "…", accessLevel: 0, contentHash: "h", createdAt: "2025-03-01T00:00:00.000Z", updatedAt: "2025-03-01T00:00:00.000Z" };
}

async function openProject(id: string) {
  await userEvent.type(screen.getByLabelText("Project id"), id);
  await userEvent.click(screen.getByRole("button", { name: "Open project" }));
}

describe("Documents page", () => {
  test("uploads a file with progress, follows the ingestion job, and lists the document", async () => {
    const documents = [doc("d1", "Old notes")];
    const jobs: IngestJob["status"][] = ["running", "completed"];
    const fake = createFakeFetch([
      { path: "/api/v2/documents", respond: () => json({ data: documents, nextCursor: null }) },
      {
        path: "/api/v2/documents/jobs/job-1",
        respond: () => {
          const status = jobs.shift() ?? "completed";
          if (status === "completed") documents.unshift(doc("d2", "Runbook"));
          return json({ id: "job-1", status, createdAt: "2025-03-01T00:00:00.000Z", ...(status === "completed" ? { documentId: "d2", chunkCount: 4 } : {}) });
        },
      },
    ]);
    const xhrs = fakeXhrs();
    const slept: number[] = [];
    renderPage(<DocumentsPage />, { fake, seams: { createXhr: xhrs.create, sleep: async (ms) => void slept.push(ms) } });
    expect(screen.getByText(/name one to see/)).toBeTruthy();
    await openProject("p1");
    expect(await screen.findByRole("rowheader", { name: /Old notes/ })).toBeTruthy();
    expect(fake.calls[0]?.url).toBe("/api/v2/documents?projectId=p1&limit=50");

    await userEvent.upload(screen.getByLabelText("File"), new File(["# Runbook\n\nRestart it."], "runbook.md", { type: "text/markdown" }));
    await userEvent.type(screen.getByLabelText("Title"), "Runbook");
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));

    const xhr = xhrs.made[0];
    expect(xhr?.method).toBe("POST");
    expect(xhr?.url).toBe("/api/v2/documents?async=true");
    expect(xhr?.headers["x-csrf-token"]).toBe(CSRF);
    expect(xhr?.body?.get("projectId")).toBe("p1");
    expect(xhr?.body?.get("title")).toBe("Runbook");
    expect(xhr?.body?.get("type")).toBe("note");
    expect((xhr?.body?.get("file") as File).name).toBe("runbook.md");

    act(() => xhr?.progress(50, 200));
    const bar = screen.getByLabelText<HTMLProgressElement>("Upload progress");
    expect(bar.value).toBe(0.25);
    expect(screen.getByText(/25%/)).toBeTruthy();
    act(() => xhr?.respond(202, { jobId: "job-1", status: "queued" }));

    expect(await screen.findByText(/4 chunks, document d2/)).toBeTruthy();
    expect(screen.getByText("completed")).toBeTruthy();
    expect(slept.length).toBeGreaterThanOrEqual(2);
    expect(await screen.findByRole("rowheader", { name: /Runbook/ })).toBeTruthy();
  });

  test("indexes in the request when the gateway has no background queue", async () => {
    const fake = createFakeFetch([{ path: "/api/v2/documents", respond: { data: [], nextCursor: null } }]);
    const xhrs = fakeXhrs();
    renderPage(<DocumentsPage />, { fake, seams: { createXhr: xhrs.create } });
    await openProject("p1");
    expect(await screen.findByText("No documents in this project yet.")).toBeTruthy();
    await userEvent.upload(screen.getByLabelText("File"), new File(["hello"], "hello.txt", { type: "text/plain" }));
    await userEvent.type(screen.getByLabelText("Access level"), "2");
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    act(() => xhrs.made[0]?.respond(400, { error: { code: "invalid_request", message: "asynchronous ingestion needs the background job queue", param: "async" } }));
    await waitFor(() => expect(xhrs.made).toHaveLength(2));
    expect(xhrs.made[1]?.url).toBe("/api/v2/documents");
    expect(xhrs.made[1]?.body?.get("accessLevel")).toBe("2");
    expect(xhrs.made[1]?.body?.get("title")).toBe("hello.txt");
    act(() => xhrs.made[1]?.respond(201, { ...doc("d3", "hello.txt"), chunkCount: 1 }));
    expect(await screen.findByText("Indexed “hello.txt”: 1 chunks.")).toBeTruthy();
  });

  test("shows why an upload or its job failed", async () => {
    const fake = createFakeFetch([
      { path: "/api/v2/documents", respond: { data: [], nextCursor: null } },
      { path: "/api/v2/documents/jobs/job-2", respond: { id: "job-2", status: "failed", createdAt: "", error: { code: "invalid_request", message: "references unknown" } } },
    ]);
    const xhrs = fakeXhrs();
    renderPage(<DocumentsPage />, { fake, seams: { createXhr: xhrs.create } });
    await openProject("p1");
    await userEvent.upload(screen.getByLabelText("File"), new File(["x"], "x.md"));
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    act(() => xhrs.made[0]?.respond(413, { error: { code: "payload_too_large", message: "the document is too big" } }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the document is too big");
    expect(alert.textContent).toContain("payload_too_large");

    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    act(() => xhrs.made[1]?.respond(202, { jobId: "job-2", status: "queued" }));
    expect(await screen.findByText(/references unknown/)).toBeTruthy();
    expect(screen.getByText("failed")).toBeTruthy();
  });

  test("deleting asks first and sends DELETE with the CSRF header", async () => {
    let documents = [doc("d1", "Old notes")];
    const fake = createFakeFetch([
      { path: "/api/v2/documents", respond: () => json({ data: documents, nextCursor: "next" }) },
      {
        method: "DELETE",
        path: "/api/v2/documents/d1",
        respond: () => {
          documents = [];
          return json(undefined, 204);
        },
      },
    ]);
    renderPage(<DocumentsPage />, { fake });
    await openProject("p1");
    const row = (await screen.findByRole("rowheader", { name: /Old notes/ })).closest("tr") as HTMLElement;
    await userEvent.click(within(row).getByRole("button", { name: "Delete" }));
    await userEvent.click(screen.getByRole("button", { name: "Delete document" }));
    expect(await screen.findByText("Deleted “Old notes”.")).toBeTruthy();
    expect(fake.callsTo("DELETE", "/api/v2/documents/d1")[0]?.headers["x-csrf-token"]).toBe(CSRF);
    await userEvent.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(() => expect(fake.calls.at(-1)?.query.get("cursor")).toBe("next"));
    await userEvent.click(screen.getByRole("button", { name: "Previous page" }));
    await waitFor(() => expect(fake.calls.at(-1)?.query.get("cursor")).toBeNull());
  });

  test("an upload that cannot reach the gateway, or is cancelled, rejects", async () => {
    const xhrs = fakeXhrs();
    const form = new FormData();
    const failing = uploadDocument({ createXhr: xhrs.create, url: "/u", form, headers: {}, onProgress: () => undefined });
    xhrs.made[0]?.fail();
    await expect(failing).rejects.toMatchObject({ code: "network_error" });
    const controller = new AbortController();
    const cancelled = uploadDocument({ createXhr: xhrs.create, url: "/u", form, headers: {}, onProgress: () => undefined, signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ name: "AbortError" });
    const garbled = uploadDocument({ createXhr: xhrs.create, url: "/u", form, headers: {}, onProgress: () => undefined });
    const xhr = xhrs.made[2];
    if (xhr !== undefined) {
      xhr.status = 502;
      xhr.responseText = "<html>";
      xhr.onload?.(new ProgressEvent("load"));
    }
    await expect(garbled).rejects.toMatchObject({ status: 502, code: "http_502" });
  });

  test("a lost session during an upload goes back to sign-in", async () => {
    const fake = createFakeFetch([{ path: "/api/v2/documents", respond: { data: [], nextCursor: null } }]);
    const xhrs = fakeXhrs();
    const page = renderPage(<DocumentsPage />, { fake, seams: { createXhr: xhrs.create } });
    await openProject("p1");
    await userEvent.upload(screen.getByLabelText("File"), new File(["x"], "x.md"));
    await userEvent.click(screen.getByRole("button", { name: "Upload" }));
    act(() => xhrs.made[0]?.respond(401, { error: { code: "unauthorized", message: "sign in" } }));
    await screen.findByRole("alert");
    expect(page.unauthorized()).toBe(1);
  });
});
