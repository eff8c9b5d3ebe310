import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { Store } from "../src/store/db.js";
import { SCHEMA_VERSION } from "../src/store/schema.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";
import { copyOfV3, integrity, tinySuite } from "./helpers/store.js";

const N = 8;

it(`${N} simultaneous first runs on a fresh database and ${N} on an existing one are all stored, none refused`, async () => {
  const dir = tempDir();
  const suite = tinySuite(dir);
  const fresh = path.join(dir, "fresh", "r.db"); // its directory does not exist yet either
  const existing = path.join(dir, "existing.db");
  Store.open(existing).close();

  const run = (db: string) => bench(["run", suite, "--db", db, "--debug-runner", "fake", "-q", "--json"]);
  const results = await Promise.all(Array.from({ length: N }, () => [run(fresh), run(existing)]).flat());
  for (const r of results) {
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }
  const ids = results.map((r) => (JSON.parse(r.stdout) as { run: { id: string } }).run.id);
  for (const db of [fresh, existing]) {
    const store = Store.open(db, { mode: "read" });
    const stored = store.listRuns(100);
    store.close();
    expect(stored).toHaveLength(N);
    expect(stored.every((r) => r.status === "completed" && ids.includes(r.id))).toBe(true);
    expect(integrity(db)).toBe("ok");
  }
  // No temporary file of the creation is left behind.
  expect(readdirSync(path.dirname(fresh)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
}, 180_000);

it(`${N} processes opening one old database at once: exactly one migrates it, after one backup`, async () => {
  const dir = tempDir();
  const file = copyOfV3(dir);
  const open = () =>
    new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { Store } from ${JSON.stringify(path.join(ROOT, "dist/store/db.js"))}; Store.open(process.argv[1], { mode: "read" }).close();`,
          file,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr }));
    });
  const results = await Promise.all(Array.from({ length: N }, open));
  expect(results.map((r) => r.code)).toEqual(Array(N).fill(0));
  expect(results.filter((r) => r.stderr !== "").map((r) => r.stderr)).toEqual([
    `bench: ${file}: upgraded from schema 3 to ${SCHEMA_VERSION}; the database as it was is kept at ${file}.v3.bak\n`,
  ]);
  expect(readdirSync(dir).sort()).toEqual(["v3.db", "v3.db.v3.bak"]);
  expect(integrity(file)).toBe("ok");
}, 60_000);
