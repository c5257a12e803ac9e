/**
 * A backup or restore that cannot go ahead, with a message meant for the operator as it is: the CLI prints it
 * without a stack and exits 1.
 */
export class BackupError extends Error {
  override name = "BackupError";
}
