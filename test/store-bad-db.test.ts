import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { Store } from "../src/store/db.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";
import { addRun, benchAsReader, integrity, sharedDir, tinySuite } from "./helpers/store.js";

/** One line on stderr, `bench: ` and the message, exit 2: never a stack trace. */
function oneLine(r: { code: number | null; stderr: string; stdout: string }, message: RegExp): void {
  expect(r.stderr).toMatch(/^bench: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/stored run/);
  expect(r.code).toBe(2);
}

describe("--db that cannot hold results", () => {
  const dir = tempDir();
  const suite = tinySuite(dir);
  const run = (db: string, env?: Record<string, string>) => bench(["run", suite, "--db", db, "--debug-runner", "fake", "-q"], env ? { env } : {});

  it("an empty path and :memory: are refused before anything is measured, naming what to pass instead", async () => {
    const [empty, memory] = await Promise.all([run(""), run(":memory:")]);
    oneLine(empty, /--db '': an empty path; pass a file such as results\/bench\.db, or leave --db and BENCH_DB unset/);
    oneLine(memory, /--db ':memory:': an in-memory database loses every run when bench exits; pass a file such as results\/bench\.db/);
  });

  it("an empty BENCH_DB (what CI gives for an unset variable) means the default path", async () => {
    const r = await bench(["list"], { cwd: tempDir(), env: { BENCH_DB: "" } });
    oneLine(r, /^bench: results\/bench\.db: no results database here yet/);
  });

  it("paths that are not a database file: each a one-line error at once, nothing created", async () => {
    const base = tempDir();
    const file = path.join(base, "file.txt");
    writeFileSync(file, "notes\n");
    symlinkSync(path.join(base, "missing", "r.db"), path.join(base, "dangling.db"));
    symlinkSync(path.join(base, "nowhere"), path.join(base, "dangling-dir"));
    mkdirSync(path.join(base, "dir"));
    const cases: [string[], RegExp][] = [
      [
        ["run", suite, "--db", path.join(base, "dangling.db")],
        /dangling\.db: a symbolic link to .*missing\/r\.db, which does not exist; fix or remove the link/,
      ],
      [["run", suite, "--db", path.join(base, "dangling-dir/r.db")], /dangling-dir is a symbolic link to .*nowhere, which does not exist/],
      [["list", "--db", path.join(base, "dangling-dir/r.db")], /dangling-dir is a symbolic link/],
      [["run", suite, "--db", file], /file\.txt: not a SQLite database; bench leaves it alone/],
      [["run", suite, "--db", path.join(file, "r.db")], /file\.txt is a file, not a directory/],
      [["list", "--db", path.join(base, "dir")], /dir: a directory, not a database file; pass --db a file such as .*dir\/bench\.db/],
      [["list", "--db", path.join(base, "none.db")], /none\.db: no results database here yet; run 'bench run' first or pass --db PATH/],
      // Node's recursive mkdir spins at full CPU here; the store fails at once.
      [["run", suite, "--db", "/proc/nope/b.db"], /cannot create the directory \/proc\/nope \(no such file or directory\)/],
      [["show", "latest", "--db", "/proc/nope/b.db"], /no results database here yet/],
      [["list", "--db", "/dev/null"], /\/dev\/null: not a regular file/],
    ];
    const results = await Promise.all(cases.map(([args]) => bench(args[0] === "run" ? [...args, "--debug-runner", "fake", "-q"] : args)));
    results.forEach((r, i) => oneLine(r, (cases[i] as [string[], RegExp])[1]));
    expect(existsSync(path.join(base, "missing"))).toBe(false);
    expect(existsSync(path.join(base, "nowhere"))).toBe(false);
    expect(statSync(file).size).toBe(6);
  });

  it("a directory bench may not write to: a one-line error, not 'no results database here yet'", async () => {
    const shared = sharedDir();
    const readable = tinySuite(sharedDir());
    chmodSync(shared, 0o555);
    try {
      const r = await benchAsReader(["run", readable, "--db", path.join(shared, "r.db"), "--debug-runner", "fake", "-q"]);
      oneLine(r, /r\.db: cannot be created: .* is not writable \(permission denied\); pass --db a path in a writable directory/);
    } finally {
      chmodSync(shared, 0o755);
    }
  });

  it("--baselines naming a file: a one-line error from every command that reads or writes baselines", async () => {
    const db = path.join(dir, "baselines-case.db");
    expect((await run(db)).code).toBe(0);
    const file = path.join(dir, "not-a-dir");
    writeFileSync(file, "");
    const message = /--baselines .*not-a-dir: a file, not a directory of baselines \(SUITE\/NAME\.json\); pass --baselines a directory/;
    const results = await Promise.all([
      bench(["baseline", "save", "-n", "main", "--db", db, "--baselines", file]),
      bench(["baseline", "list", "--baselines", file]),
      bench(["diff", "latest", "baseline:main", "--db", db, "--baselines", file]),
    ]);
    for (const r of results) oneLine(r, message);
    const proc = await bench(["baseline", "save", "-n", "main", "--db", db, "--baselines", "/proc/nope"]);
    oneLine(proc, /\/proc\/nope\/tiny\/main\.json: cannot write the baseline: a directory on this path cannot be created here/);
  });
});

describe("the store under a full disk or a held lock", () => {
  it("a full disk while cells are stored: one line, what was stored before kept, the database sound", async () => {
    const dir = tempDir();
    const suite = tinySuite(dir, 2);
    const db = path.join(dir, "r.db");
    const first = await bench(["run", suite, "--db", db, "--debug-runner", "fake", "-q", "--json"]);
    expect(first.code).toBe(0);
    // BENCH_DEBUG_DB_MAX_KB: the database may not grow (SQLITE_FULL, as on a full disk).
    const kb = String(Math.ceil(statSync(db).size / 1024));
    // A larger run than the first: a packed run is small enough to fit in the free room of the pages the first left (schema 5).
    const larger = tinySuite(tempDir(), 12, 2);
    const full = await bench(["run", larger, "--db", db, "--debug-runner", "fake", "-q"], { env: { BENCH_DEBUG_DB_MAX_KB: kb } });
    oneLine(full, /r\.db: the disk is full \(or over quota\) while storing .*; what was stored before is kept: free some space/);
    expect(integrity(db)).toBe("ok");
    const shown = await bench(["show", (JSON.parse(first.stdout) as { run: { id: string } }).run.id, "--db", db, "--json"]);
    expect((JSON.parse(shown.stdout) as { cells: unknown[] }).cells).toHaveLength(2);
    const listed = JSON.parse((await bench(["list", "--db", db, "--json"])).stdout) as { status: string }[];
    expect(listed.map((r) => r.status).sort()).toEqual(expect.arrayContaining(["completed"]));
    expect(listed.every((r) => r.status !== "running")).toBe(true);
  });

  it("a lock held over 5 s at finishRun is waited for; one held past the wait is a one-line error and the run is kept", async () => {
    const file = path.join(tempDir(), "r.db");
    const store = Store.open(file);
    await addRun(store, "r1");
    const impatient = Store.open(file, { mode: "write", busyTimeoutMs: 1000 });
    // Another process holds the write lock for 6.5 s.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const d = new (require("better-sqlite3"))(process.argv[1]); d.exec("BEGIN IMMEDIATE"); console.log("locked"); setTimeout(() => { d.exec("COMMIT"); d.close(); }, 6500);`,
        file,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    const done = new Promise((resolve) => holder.on("close", resolve));
    try {
      await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
      expect(() => impatient.finishRun("r1", "completed", new Date().toISOString())).toThrow(UserError);
      expect(() => impatient.finishRun("r1", "completed", new Date().toISOString())).toThrow(
        /r\.db: another process held the database locked for over 1 s while marking run r1 completed; what was stored before is kept: find it \(e\.g\. 'fuser /,
      );
      store.finishRun("r1", "completed", new Date().toISOString()); // waits out the rest of the 6.5 s
    } finally {
      await done;
    }
    expect(store.loadRun("r1").run.status).toBe("completed");
    impatient.close();
    store.close();
  }, 60_000);
});
