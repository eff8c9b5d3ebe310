import { UserError } from "../errors.js";

/**
 * How the store's failures read: one line naming the database, what bench was doing and what to
 * do. Everything here is the machine's state (a full disk, a lock, permissions), not a bug in
 * bench; an error not recognised here is rethrown as it is (a bug).
 */

/** How long a write waits for another process's lock before giving up (SQLite's busy timeout, retried inside SQLite). */
export const BUSY_TIMEOUT_MS = 30_000;

const KEPT = "what was stored before is kept";

/** The one-line UserError for an SQLite or file-system error met while `doing` something to `file`, or null when it is not one of these. */
export function storeFailure(file: string, doing: string, err: unknown, busyTimeoutMs = BUSY_TIMEOUT_MS): UserError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  // SQLite's extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, …) count as their primary code.
  const is = (primary: string) => code === primary || code.startsWith(`${primary}_`);
  if (is("SQLITE_FULL") || code === "ENOSPC" || code === "EDQUOT") {
    return new UserError(`${file}: the disk is full (or over quota) while ${doing}; ${KEPT}: free some space, or pass --db a path on another disk`);
  }
  if (is("SQLITE_BUSY") || is("SQLITE_LOCKED")) {
    return new UserError(
      `${file}: another process held the database locked for over ${Math.round(busyTimeoutMs / 1000)} s while ${doing}; ${KEPT}: ` +
        `find it (e.g. 'fuser ${file}') and let it finish, or pass --db another file`,
    );
  }
  if (is("SQLITE_READONLY") || code === "EROFS" || code === "EACCES" || code === "EPERM") {
    return new UserError(`${file}: not writable (${describe(code)}) while ${doing}; pass --db a file in a writable directory`);
  }
  if (is("SQLITE_IOERR") || code === "EIO") {
    return new UserError(`${file}: disk I/O error (${code}) while ${doing}; ${KEPT}: check the disk, or pass --db a path on another disk`);
  }
  if (is("SQLITE_CORRUPT") || is("SQLITE_NOTADB")) {
    return new UserError(
      `${file}: the database is damaged (${code}) while ${doing}; check it with 'sqlite3 ${file} "PRAGMA integrity_check"', or pass --db another file`,
    );
  }
  if (is("SQLITE_CANTOPEN")) {
    return new UserError(`${file}: SQLite cannot open it (${code}) while ${doing}; check that its directory exists and is writable, or pass --db another path`);
  }
  return null;
}

/** Runs `fn`, turning a store failure into its one-line UserError; anything else propagates as it is. */
export function guarded<T>(file: string, doing: string, fn: () => T, busyTimeoutMs?: number): T {
  try {
    return fn();
  } catch (err) {
    throw storeFailure(file, doing, err, busyTimeoutMs) ?? err;
  }
}

export function describe(code: string): string {
  const words: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOSPC: "no space left on device",
    ENOENT: "no such file or directory",
    ENOTDIR: "a part of the path is not a directory",
    ELOOP: "too many symbolic links",
    ENAMETOOLONG: "name too long",
    EISDIR: "is a directory",
  };
  return words[code] ?? code;
}
