import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { UserError } from "../errors.js";
import { Store } from "../store/db.js";
import { exportRun, exportText, importRun, parseExport, type RunData } from "../scale/transfer.js";
import { type Outcome, OK } from "./outcome.js";
import { resolveRun } from "./run-ref.js";

export interface ExportOptions {
  db: string;
  out?: string;
}

/** `bench export RUN`: the run, its cells, samples, trials, fingerprint and resolved suite as one JSON file (or on stdout). */
export function exportCommand(ref: string, opts: ExportOptions): Outcome {
  const store = Store.open(opts.db, { mode: "read" });
  let text: string;
  let id: string;
  try {
    id = resolveRun(store, ref);
    text = exportText(exportRun(store, id));
  } finally {
    store.close();
  }
  if (opts.out === undefined) {
    process.stdout.write(text);
    return OK;
  }
  writeOut(opts.out, text);
  process.stderr.write(`exported run ${id} to ${opts.out}\n`);
  return OK;
}

export interface ImportOptions {
  db: string;
}

/** `bench import FILE...`: runs exported elsewhere, stored here under their own ids. */
export function importCommand(files: string[], opts: ImportOptions): Outcome {
  // Every file is read and checked before anything is stored.
  const runs = files.map((file) => ({ file, data: parseExport(readText(file), file) }));
  const store = Store.open(opts.db);
  try {
    const at = new Date().toISOString();
    for (const { file, data } of runs) {
      importRun(store, data, { file, at });
      process.stderr.write(`imported run ${data.run.id} (${data.run.suite}, ${data.cells.length} cells) into ${opts.db}\n`);
    }
  } finally {
    store.close();
  }
  return OK;
}

/** A part of `bench merge`: an export file, or a results database's run (DB for its latest, DB@RUN for another). */
export function readPart(arg: string): { source: string; data: RunData } {
  let file = arg;
  let ref = "latest";
  const at = arg.lastIndexOf("@");
  if (!existsSync(arg) && at > 0) {
    file = arg.slice(0, at);
    ref = arg.slice(at + 1);
  }
  if (!existsSync(file)) throw new UserError(`${arg}: no such file; give an export file (bench export) or a results database (DB, or DB@RUN)`);
  if (!isSqlite(file)) return { source: file, data: parseExport(readText(file), file) };
  const store = Store.open(file, { mode: "read" });
  try {
    const id = resolveRun(store, ref);
    return { source: `${file}@${id}`, data: exportRun(store, id) };
  } finally {
    store.close();
  }
}

function isSqlite(file: string): boolean {
  if (!statSync(file).isFile()) return false;
  const head = Buffer.alloc(16);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString("latin1") === "SQLite format 3\0";
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UserError(`${file}: cannot be read (${code}); give an export file written by 'bench export'`);
  }
}

export function writeOut(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unwritable";
    throw new UserError(`--out ${file}: cannot be written (${code}); give a path in a writable directory`);
  }
}
