import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Store } from "../src/store/db.js";
import { BIN, bench, tempDir } from "./helpers/cli.js";
import { addRun, benchAsReader, integrity, sha256, sharedDir, tinySuite } from "./helpers/store.js";

/** A pid that was just used and is now free. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid ?? 0;
}

/** The pids of `pid`'s children (the trials `bench run` starts), read from /proc. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] === String(pid)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function setOwner(file: string, id: string, owner: { host?: string | null; pid?: number; process?: string | null }): void {
  const db = new Database(file);
  for (const [column, value] of Object.entries(owner)) db.prepare(`UPDATE runs SET ${column} = ? WHERE id = ?`).run(value, id);
  db.close();
}

describe("runs whose process died", () => {
  it("a run SIGKILLed mid-run is marked abandoned by the next command; the database stays sound", async () => {
    const dir = tempDir();
    const db = path.join(dir, "r.db");
    const suite = tinySuite(dir, 2, 3);
    const child = spawn(process.execPath, [BIN, "run", suite, "--db", db, "--debug-runner", "fake", "-q"], { stdio: "ignore" });
    const closed = new Promise((resolve) => child.on("close", resolve));
    // Killed once its first trial is stored and the next one has started.
    const deadline = Date.now() + 60_000;
    let trials: number[] = [];
    const storedTrials = () => {
      if (!existsSync(db)) return 0;
      const reader = new Database(db, { readonly: true });
      try {
        return (reader.prepare("SELECT COUNT(*) AS n FROM trial_info").get() as { n: number }).n;
      } catch {
        return 0; // not created yet
      } finally {
        reader.close();
      }
    };
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      trials = childrenOf(child.pid ?? 0);
      if (trials.length > 0 && storedTrials() >= 1) break;
    }
    expect(trials.length).toBeGreaterThan(0);
    child.kill("SIGKILL");
    await closed;

    const listed = await bench(["list", "--db", db, "--json"]);
    expect(listed.code).toBe(0);
    const runs = JSON.parse(listed.stdout) as { id: string; status: string; finishedAt: string | null }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "abandoned", finishedAt: null });
    // What its finished trials measured is shown, aggregated as the run would have done.
    const shown = await bench(["show", "latest", "--db", db, "--json"]);
    const doc = JSON.parse(shown.stdout) as { run: { status: string }; cells: { status: string; samples: number }[] };
    expect(doc.run.status).toBe("abandoned");
    expect(doc.cells).toHaveLength(2);
    expect(doc.cells.every((c) => c.status === "ok" && c.samples > 0)).toBe(true);
    expect((await bench(["list", "--db", db])).stdout).toMatch(/abandoned/);
    for (const pid of trials) {
      try {
        process.kill(pid, "SIGKILL"); // the orphaned trial, if it is still measuring
      } catch {
        // it has finished
      }
    }
    expect(integrity(db)).toBe("ok");
  });

  it("judges only what it can see: a dead pid or a reused one is abandoned; a live one, another host's or an old row without owner is not", async () => {
    const file = path.join(tempDir(), "r.db");
    const store = Store.open(file);
    for (const id of ["live", "dead", "reused", "elsewhere", "unknown", "done"]) await addRun(store, id);
    store.finishRun("done", "completed", new Date().toISOString());
    store.close();
    const own = new Database(file, { readonly: true }).prepare("SELECT process FROM runs WHERE id = 'live'").get() as { process: string | null };
    setOwner(file, "dead", { pid: deadPid() });
    setOwner(file, "elsewhere", { host: `not-${hostname()}`, pid: deadPid() });
    setOwner(file, "unknown", { host: null, pid: null as unknown as number, process: null });
    if (own.process) setOwner(file, "reused", { process: own.process.replace(/\d+$/, "1") });
    else setOwner(file, "reused", { pid: deadPid() });

    const statuses = () => {
      const reader = Store.open(file, { mode: "read" });
      const runs = reader.listRuns();
      reader.close();
      return Object.fromEntries(runs.map((r) => [r.id, r.status]));
    };
    expect(statuses()).toEqual({ live: "running", dead: "abandoned", reused: "abandoned", elsewhere: "running", unknown: "running", done: "completed" });
    // Stored so: a reader of the file (another bench, a script) sees the same.
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT status FROM runs WHERE id IN ('dead', 'reused') ").all()).toEqual([{ status: "abandoned" }, { status: "abandoned" }]);
    raw.close();
  });

  it("in a read-only database, a dead run is shown abandoned without writing to the file", async () => {
    const dir = sharedDir();
    const file = path.join(dir, "r.db");
    const store = Store.open(file);
    await addRun(store, "dead");
    store.close();
    setOwner(file, "dead", { pid: deadPid() });
    chmodSync(file, 0o444);
    chmodSync(dir, 0o555);
    const before = sha256(file);
    try {
      const listed = await benchAsReader(["list", "--db", file, "--json"]);
      expect(listed.stderr).toBe("");
      expect((JSON.parse(listed.stdout) as { status: string }[])[0]?.status).toBe("abandoned");
    } finally {
      chmodSync(dir, 0o755);
    }
    expect(sha256(file)).toBe(before);
  });
});
