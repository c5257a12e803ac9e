import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { BackupError } from "./BackupError.js";

/**
 * Fails early, naming the path, when `file` cannot be created: otherwise the error would surface from deep
 * inside SQLite or pg_dump with a vaguer message (and, for pg_dump, after the whole dump ran).
 */
export async function checkWritableDirectory(file: string, what: string): Promise<void> {
  const directory = dirname(file);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(directory)).isDirectory();
  } catch (error) {
    throw new BackupError(`cannot write ${what} ${file}: ${directory} does not exist (${codeOf(error)})`, { cause: error });
  }
  if (!isDirectory) throw new BackupError(`cannot write ${what} ${file}: ${directory} is not a directory`);
  try {
    await access(directory, constants.W_OK);
  } catch (error) {
    throw new BackupError(`cannot write ${what} ${file}: ${directory} is not writable (${codeOf(error)})`, { cause: error });
  }
}

function codeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === "string" ? code : (error as Error).message;
}
