import { parseStoreUrl, type StoreTarget } from "../store/parseStoreUrl.js";
import { BackupError } from "./BackupError.js";

/** The configured store, or a BackupError the CLI prints as it is (the URL checks never echo a password). */
export function backupTarget(storeUrl: string): StoreTarget {
  try {
    return parseStoreUrl(storeUrl);
  } catch (error) {
    throw new BackupError((error as Error).message, { cause: error });
  }
}
