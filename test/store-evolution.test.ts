import { spawn } from "node:child_process";
import { chmodSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { Store } from "../src/store/db.js";
import { APPLICATION_ID, SCHEMA_VERSION } from "../src/store/schema.js";
import { ROOT, tempDir } from "./helpers/cli.js";
import { addRun, benchAsReader, copyOfV3, integrity, sha256, sharedDir, tinySuite } from "./helpers/store.js";

const MODES = ["create", "write", "read"] as const;

/** Every way bench opens a database refuses `file` with `message`, and the file's bytes and its directory stay as they were. */
function refusedUntouched(file: string, message: RegExp): void {
  const before = sha256(file);
  const siblings = readdirSync(path.dirname(file)).sort();
  for (const mode of MODES) expect(() => Store.open(file, { mode }), mode).toThrow(message);
  expect(sha256(file)).toBe(before);
  expect(readdirSync(path.dirname(file)).sort()).toEqual(siblings);
}

describe("store evolution", () => {
  it("migrates a schema-3 database made by bench 0.1 on open, after a backup it names", () => {
    const dir = tempDir();
    const file = copyOfV3(dir);
    const original = sha256(file);
    const old = new Database(file, { readonly: true });
    const oldRuns = old.prepare("SELECT id, status, resolved_suite FROM runs ORDER BY id").all() as { id: string; status: string; resolved_suite: string }[];
    old.close();

    const notices: string[] = [];
    const store = Store.open(file, { mode: "read", notice: (l) => notices.push(l) });
    const backup = `${file}.v3.bak`;
    expect(notices).toEqual([`${file}: upgraded from schema 3 to ${SCHEMA_VERSION}; the database as it was is kept at ${backup}`]);
    for (const r of oldRuns) {
      const loaded = store.loadRun(r.id);
      expect(loaded.run.status).toBe(r.status);
      expect(loaded.resolvedSuite).toEqual(JSON.parse(r.resolved_suite));
      expect(loaded.cells.length).toBeGreaterThan(0);
      expect(store.loadSamples(r.id, loaded.cells[0]?.id ?? "")?.length).toBeGreaterThan(0);
    }
    store.close();

    // The backup is the old database, still schema 3; the original bytes are not kept verbatim (VACUUM INTO), its content is.
    expect(sha256(file)).not.toBe(original);
    const kept = new Database(backup, { readonly: true });
    expect(kept.pragma("user_version", { simple: true })).toBe(3);
    expect(kept.prepare("SELECT id, status, resolved_suite FROM runs ORDER BY id").all()).toEqual(oldRuns);
    kept.close();
    const migrated = new Database(file, { readonly: true });
    expect(migrated.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(migrated.pragma("application_id", { simple: true })).toBe(APPLICATION_ID);
    // Both runs had the same suite: stored once.
    expect(migrated.prepare("SELECT COUNT(*) AS n FROM suites").get()).toEqual({ n: 1 });
    migrated.close();
    expect(integrity(file)).toBe("ok");

    // Opened again: nothing more to do, no second backup.
    Store.open(file, { notice: (l) => notices.push(l) }).close();
    expect(notices).toHaveLength(1);
    expect(readdirSync(dir).filter((f) => f.includes(".bak") || f.endsWith(".tmp"))).toEqual(["v3.db.v3.bak"]);
  });

  it("never alters a database from a newer bench, in WAL or rollback mode", () => {
    const dir = tempDir();
    for (const journal of ["wal", "delete"]) {
      const file = path.join(dir, `newer-${journal}.db`);
      Store.open(file).close();
      const db = new Database(file);
      db.pragma(`journal_mode = ${journal}`);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      refusedUntouched(
        file,
        new RegExp(`schema version ${SCHEMA_VERSION + 1} is newer than this bench understands \\(${SCHEMA_VERSION}\\); bench leaves it alone`),
      );
      expect(statSync(file).size).toBeGreaterThan(0);
    }
  });

  it("sees a newer schema still in the write-ahead log of a killed writer, and leaves both files alone", async () => {
    const file = path.join(tempDir(), "r.db");
    Store.open(file).close();
    // A newer bench upgrades the file and is killed before its log is copied back: the file's header still says schema 4.
    const writer = spawn(
      process.execPath,
      [
        "-e",
        `const d = new (require("better-sqlite3"))(process.argv[1]); d.pragma("wal_autocheckpoint = 0"); d.pragma("user_version = ${SCHEMA_VERSION + 1}"); console.log("written"); setInterval(() => {}, 1000);`,
        file,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise((resolve) => writer.stdout.once("data", resolve));
    writer.kill("SIGKILL");
    await new Promise((resolve) => writer.on("close", resolve));
    const before = [sha256(file), sha256(`${file}-wal`)];
    for (const mode of MODES)
      expect(() => Store.open(file, { mode }), mode).toThrow(new RegExp(`schema version ${SCHEMA_VERSION + 1} is newer than this bench understands`));
    expect([sha256(file), sha256(`${file}-wal`)]).toEqual(before);
  });

  it("never alters someone else's SQLite file, a zero-byte file or a file that is not SQLite", () => {
    const dir = tempDir();
    const foreign = path.join(dir, "notes.db");
    const db = new Database(foreign);
    db.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')");
    db.close();
    refusedUntouched(foreign, /a SQLite database, but not one of bench's; bench leaves it alone/);

    // Another application's database with a schema version of its own, in WAL mode.
    const versioned = path.join(dir, "app.db");
    const app = new Database(versioned);
    app.pragma("journal_mode = WAL");
    app.exec("CREATE TABLE runs (x); CREATE TABLE cells (y)");
    app.pragma("user_version = 2");
    app.pragma("application_id = 7");
    app.close();
    refusedUntouched(versioned, /not one of bench's/);

    const empty = path.join(dir, "empty.db");
    writeFileSync(empty, "");
    refusedUntouched(empty, /an empty file, not a bench database; bench leaves it alone/);
    expect(statSync(empty).size).toBe(0);

    const text = path.join(dir, "notes.txt");
    writeFileSync(text, "not a database\n".repeat(50));
    refusedUntouched(text, /not a SQLite database; bench leaves it alone/);
  });

  it("reads read-only databases, current and older schema, without changing them or refusing to list", async () => {
    const dir = sharedDir();
    const suite = tinySuite(sharedDir());
    const current = path.join(dir, "current.db");
    const store = Store.open(current);
    await addRun(store, "run1");
    store.finishRun("run1", "completed", new Date().toISOString());
    store.close();
    const old = copyOfV3(dir, "old.db");
    for (const f of [current, old]) chmodSync(f, 0o444);
    chmodSync(dir, 0o555);
    const before = [sha256(current), sha256(old)];
    try {
      for (const [file, id] of [
        [current, "run1"],
        [old, "541f764c6a22"],
      ] as const) {
        const listed = await benchAsReader(["list", "--db", file, "--json"]);
        expect(listed.stderr).not.toMatch(/readonly|at .*\.js/);
        expect(listed.code).toBe(0);
        expect((JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id)).toContain(id);
        const shown = await benchAsReader(["show", id, "--db", file, "--json"]);
        expect(shown.code).toBe(0);
        expect((JSON.parse(shown.stdout) as { run: { id: string } }).run.id).toBe(id);
        // Storing a run there is refused, in one line.
        const run = await benchAsReader(["run", suite, "--db", file, "--debug-runner", "fake", "-q"]);
        expect(run.code).toBe(2);
        expect(run.stderr.trim()).toMatch(
          /^bench: .*: cannot be written \((the file|its directory .*): permission denied\); bench reads it but stores runs only in a writable file/,
        );
      }
      expect([sha256(current), sha256(old)]).toEqual(before);
      expect(readdirSync(dir).sort()).toEqual(["current.db", "old.db"]);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it("stores a resolved suite once however many runs use it, and refuses an absurdly large one", async () => {
    const file = path.join(tempDir(), "r.db");
    const store = Store.open(file);
    const suite = { name: "s", description: "x".repeat(100_000) };
    for (const id of ["a1", "a2", "a3"]) await addRun(store, id, suite);
    await addRun(store, "b1", { name: "other" });
    expect(store.loadRun("a2").resolvedSuite).toEqual(suite);
    expect(store.loadRun("b1").resolvedSuite).toEqual({ name: "other" });
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT COUNT(*) AS n, SUM(length(body)) AS bytes FROM suites").get()).toEqual({ n: 2, bytes: JSON.stringify(suite).length + 16 });
    raw.close();
    const huge = { name: "s", description: "x".repeat(5 * 1024 * 1024) };
    await expect(addRun(store, "big", huge)).rejects.toThrow(UserError);
    await expect(addRun(store, "big", huge)).rejects.toThrow(/\/s\.yaml: the resolved suite is 5\.0 MB, over the 4\.0 MB bench stores with a run/);
    expect(store.listRuns().map((r) => r.id)).not.toContain("big");
    store.close();
  });
});
