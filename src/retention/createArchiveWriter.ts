/**
 * One archive file of a retention run: the rows of one table as JSON lines (the row as stored, column names as
 * in the database), gzip'd. Each batch is appended as a gzip member of its own and synced to disk before the
 * caller deletes the rows, so a deleted row is always on disk; concatenated members are one valid gzip file
 * (gunzip, zcat). The file carries a `.partial` name until the run finishes, then is renamed into place.
 */
import { mkdir, open, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipAsync = promisify(gzip);

export interface ArchiveWriter {
  /** Appends the rows and syncs them to disk. */
  write(rows: readonly object[]): Promise<void>;
  /** Bytes written so far, for undo(). */
  readonly size: number;
  /** Cuts the file back to `size` bytes: a batch written but then not deleted must not stay archived. */
  undo(size: number): Promise<void>;
  /** Closes and renames the file into place; the final path, or undefined when nothing was written. */
  finish(): Promise<string | undefined>;
}

export function createArchiveWriter(dir: string, name: string): ArchiveWriter {
  const path = join(dir, `${name}.jsonl.gz`);
  const partial = `${path}.partial`;
  let file: FileHandle | undefined;
  let size = 0;

  return {
    get size() {
      return size;
    },
    async write(batch) {
      if (batch.length === 0) return;
      if (file === undefined) {
        await mkdir(dir, { recursive: true });
        // "wx": a run's names are unique; never append to someone else's file.
        file = await open(partial, "wx");
      }
      const member = await gzipAsync(batch.map((row) => `${JSON.stringify(row)}\n`).join(""));
      await file.write(member, 0, member.length, size);
      await file.datasync();
      size += member.length;
    },
    async undo(to) {
      if (file === undefined || to >= size) return;
      await file.truncate(to);
      await file.datasync();
      size = to;
    },
    async finish() {
      if (file === undefined) return undefined;
      await file.close();
      file = undefined;
      if (size === 0) {
        await unlink(partial);
        return undefined;
      }
      await rename(partial, path);
      return path;
    },
  };
}
