import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
} from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { UserError } from "../errors.js";
import { describe, guarded, storeFailure } from "./failures.js";
import { APPLICATION_ID, type Identity, identify, migrate, newerError, SCHEMA_VERSION, upgrade } from "./schema.js";

/**
 * create: `bench run` (a new file is made when there is none); write: a trial of a run (the file
 * must exist); read: list, show, diff (read-only when the file or its directory is).
 */
export type OpenMode = "create" | "write" | "read";

export interface Opened {
  /** Read-only (`db.readonly`), or a copy in memory, when the file cannot be written: nothing is ever written to the file then. */
  db: Database.Database;
  /** What the user should know (an upgrade and where its backup is), one line each. */
  notices: string[];
}

/**
 * Opens a results database without ever changing a file that is not bench's, or is newer than
 * this bench: what the file is and which schema it has is read first, read-only; only then is it
 * opened for writing (and an older schema migrated, after a backup). A new database is built
 * under a temporary name and linked into place, so no other process ever sees it half made.
 */
export function openDatabase(file: string, mode: OpenMode, busyTimeoutMs: number): Opened {
  checkName(file);
  const absolute = path.resolve(file);
  let stats = look(file, absolute);
  if (!stats) {
    if (mode !== "create") {
      explainMissing(file, path.dirname(absolute));
      throw new UserError(`${file}: no results database here yet; run 'bench run' first or pass --db PATH`);
    }
    ensureDirectory(file, path.dirname(absolute));
    createFresh(file, absolute, busyTimeoutMs);
    stats = look(file, absolute);
    if (!stats) throw new UserError(`${file}: it disappeared just after it was created; pass --db another path`);
  }
  if (stats.size === 0) throw new UserError(`${file}: an empty file, not a bench database; bench leaves it alone: delete it, or pass --db another path`);
  // What the file says it is, from its header alone: nothing is opened, so nothing (not even a -shm file) is made for a file bench refuses.
  const claimed = readHeader(file, absolute);
  const foreign = () =>
    new UserError(`${file}: a SQLite database, but not one of bench's; bench leaves it alone: pass --db a new path to start a results database`);
  // The header can be stale while a write-ahead log holds changes not yet copied back (its writer was killed): then only a connection tells.
  const pending = pendingLog(absolute);
  if (!pending) {
    if (claimed.applicationId !== APPLICATION_ID && !(claimed.applicationId === 0 && claimed.version >= 1 && claimed.version <= 3)) throw foreign();
    if (claimed.version > SCHEMA_VERSION) throw new UserError(newerError(file, claimed.version));
  }

  const notices: string[] = [];
  const unwritable = notWritable(absolute);
  if (unwritable && mode !== "read") {
    throw new UserError(`${file}: cannot be written (${unwritable}); bench reads it but stores runs only in a writable file: pass --db another path`);
  }
  if (unwritable || pending || claimed.applicationId !== APPLICATION_ID) {
    // Before schema 4 a bench database had no application id: its tables tell, read-only.
    const probe = openReadOnly(file, absolute, busyTimeoutMs, notices);
    let identity: Identity;
    try {
      identity = guarded(file, "reading it", () => identify(probe));
      if (!identity.ours) throw foreign();
      if (identity.version > SCHEMA_VERSION) throw new UserError(newerError(file, identity.version));
    } catch (err) {
      probe.close();
      throw err;
    }
    if (unwritable) {
      if (identity.version === SCHEMA_VERSION) return { db: probe, notices };
      // An older schema in a file that cannot be written: read an upgraded copy in memory.
      const copy = probe.readonly ? inMemory(probe) : probe;
      guarded(file, "reading it", () => migrate(copy, identity.version));
      return { db: copy, notices };
    }
    probe.close();
  }

  return guarded(file, "opening it", () => {
    const db = new Database(absolute, { fileMustExist: true, timeout: busyTimeoutMs });
    try {
      const upgraded = upgrade(db, file, absolute);
      if (upgraded) {
        notices.push(`${file}: upgraded from schema ${upgraded.from} to ${SCHEMA_VERSION}; the database as it was is kept at ${upgraded.backup}`);
      }
      db.pragma("foreign_keys = ON");
      debugSizeLimit(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return { db, notices };
  });
}

function checkName(file: string): void {
  if (file === "") {
    throw new UserError("--db '': an empty path; pass a file such as results/bench.db, or leave --db and BENCH_DB unset for that default");
  }
  if (file === ":memory:") {
    throw new UserError("--db ':memory:': an in-memory database loses every run when bench exits; pass a file such as results/bench.db");
  }
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? "";
}

/** The file's stats (through a symbolic link), or null when there is no file at all. */
function look(file: string, absolute: string): Stats | null {
  let stats: Stats;
  try {
    stats = lstatSync(absolute);
  } catch (err) {
    if (code(err) === "ENOENT" || code(err) === "ENOTDIR") return null;
    throw fsError(file, "looking at it", err);
  }
  if (stats.isSymbolicLink()) {
    try {
      stats = statSync(absolute);
    } catch (err) {
      if (code(err) !== "ENOENT") throw fsError(file, "following its symbolic link", err);
      throw new UserError(`${file}: a symbolic link to ${readlinkSync(absolute)}, which does not exist; fix or remove the link, or pass --db another path`);
    }
  }
  if (stats.isDirectory()) throw new UserError(`${file}: a directory, not a database file; pass --db a file such as ${path.join(file, "bench.db")}`);
  if (!stats.isFile()) throw new UserError(`${file}: not a regular file (a FIFO, socket or device); pass --db a database file`);
  return stats;
}

/** Why a missing file's directory cannot hold it, when that is the reason: a dangling link or a file on the way. */
function explainMissing(file: string, dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    let stats: Stats;
    try {
      stats = statSync(d);
    } catch (err) {
      if (code(err) !== "ENOENT" && code(err) !== "ENOTDIR") throw fsError(file, `looking at ${d}`, err);
      if (isLink(d))
        throw new UserError(`${file}: ${d} is a symbolic link to ${readlinkSync(d)}, which does not exist; fix the link, or pass --db another path`);
      missing.push(d);
      if (path.dirname(d) === d) return missing;
      continue;
    }
    if (!stats.isDirectory()) throw new UserError(`${file}: ${d} is a file, not a directory; pass --db a path in a directory`);
    return missing;
  }
}

/** mkdir -p, one level at a time: Node's recursive mkdir loops forever where mkdir fails with ENOENT (under /proc). */
function ensureDirectory(file: string, dir: string): void {
  for (const d of explainMissing(file, dir).reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      if (code(err) === "EEXIST" && statSync(d).isDirectory()) continue;
      throw new UserError(`${file}: cannot create the directory ${d} (${describe(code(err))}); pass --db a path in a writable directory`);
    }
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Builds a new database under a temporary name and links it into place; another process that got there first wins. */
function createFresh(file: string, absolute: string, busyTimeoutMs: number): void {
  const dir = path.dirname(absolute);
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new UserError(`${file}: cannot be created: ${dir} is not writable (${describe(code(err))}); pass --db a path in a writable directory`);
  }
  const temporary = path.join(dir, `.${path.basename(absolute)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    guarded(file, "creating it", () => {
      const db = new Database(temporary, { timeout: busyTimeoutMs });
      try {
        db.pragma("journal_mode = WAL");
        migrate(db);
        // The migrations' rebuilt tables leave free pages behind (schema 9: ten); an empty database is copied compact at once.
        db.exec("VACUUM");
      } finally {
        db.close(); // the last connection: the write-ahead log is folded in and removed
      }
    });
    try {
      linkSync(temporary, absolute);
    } catch (err) {
      if (code(err) === "EEXIST") return;
      // A file system without hard links: a rename, which could replace a file made meanwhile, so only when there still is none.
      if (!existsSync(absolute)) guarded(file, "creating it", () => renameSync(temporary, absolute));
    }
  } finally {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${temporary}${suffix}`, { force: true });
  }
}

/** The header's claims (https://sqlite.org/fileformat.html#the_database_header): user_version at byte 60, application_id at 68. */
function readHeader(file: string, absolute: string): { version: number; applicationId: number } {
  const head = Buffer.alloc(100);
  let fd: number;
  try {
    fd = openSync(absolute, "r");
  } catch (err) {
    throw fsError(file, "reading it", err);
  }
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString("latin1", 0, 16) !== "SQLite format 3\0") {
    throw new UserError(`${file}: not a SQLite database; bench leaves it alone: pass --db a bench database, or a new path to start one`);
  }
  return { version: head.readUInt32BE(60), applicationId: head.readUInt32BE(68) };
}

function pendingLog(absolute: string): boolean {
  try {
    return statSync(`${absolute}-wal`).size > 0;
  } catch {
    return false;
  }
}

/** Why the file cannot be written (its directory too: SQLite writes its -wal and -shm files beside it), or null. */
function notWritable(absolute: string): string | null {
  for (const p of [absolute, path.dirname(absolute)]) {
    try {
      accessSync(p, constants.W_OK);
    } catch (err) {
      return `${p === absolute ? "the file" : `its directory ${p}`}: ${describe(code(err))}`;
    }
  }
  return null;
}

/**
 * A read-only connection. SQLite cannot open a write-ahead-log database read-only in a directory
 * where it may not create the -shm file: then the file's bytes are read into memory instead.
 */
function openReadOnly(file: string, absolute: string, busyTimeoutMs: number, notices: string[]): Database.Database {
  try {
    const db = new Database(absolute, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    try {
      db.pragma("user_version");
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    if (!/^SQLITE_(CANTOPEN|READONLY)/.test(code(err))) throw storeFailure(file, "opening it read-only", err) ?? err;
  }
  const wal = `${absolute}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    notices.push(`${file}: read without ${wal}, which SQLite cannot use in a read-only directory; the newest runs may be missing`);
  }
  return guarded(file, "reading it", () => fromBytes(readFileSync(absolute)));
}

function inMemory(db: Database.Database): Database.Database {
  const bytes = db.serialize();
  db.close();
  return fromBytes(bytes);
}

/** A database in memory from a file's bytes; the header's write-ahead-log mode (bytes 18–19 = 2) is set back to rollback, which memory needs. */
function fromBytes(bytes: Buffer): Database.Database {
  if (bytes[18] === 2) bytes[18] = 1;
  if (bytes[19] === 2) bytes[19] = 1;
  return new Database(bytes);
}

/** Tests only: BENCH_DEBUG_DB_MAX_KB caps the database's size, so that a full disk can be simulated (SQLITE_FULL). */
function debugSizeLimit(db: Database.Database): void {
  const kb = Number(process.env.BENCH_DEBUG_DB_MAX_KB);
  if (!(kb > 0)) return;
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  db.pragma(`max_page_count = ${Math.ceil((kb * 1024) / pageSize)}`);
}

function fsError(file: string, doing: string, err: unknown): Error {
  const c = code(err);
  if (/^E[A-Z]+$/.test(c)) return new UserError(`${file}: cannot be used (${describe(c)}) while ${doing}; pass --db another path`);
  return err instanceof Error ? err : new Error(String(err));
}
