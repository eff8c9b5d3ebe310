// Builds a results database of N runs for the CLI's perf rows: one real run of a small suite
// (fake runner: 4 cells × 2 trials × 100 samples), then copied N−1 times in SQL with new ids and
// start times. Usage: node perf/make-store.mjs DB [N=10000]
import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { bench, ROOT, tempDir, timeMs } from "./lib.mjs";

export function makeStore(db, n = 10_000) {
  const dir = tempDir();
  const suite = path.join(dir, "s4.yaml");
  writeFileSync(
    suite,
    `name: s4
seed: 1
targets:
  m:
    kind: onnx
    variants: { a: ${path.join(ROOT, "suites/models/mlp-fp32.onnx")}, b: ${path.join(ROOT, "suites/models/mlp-int8.onnx")} }
matrix: { batch: [1, 2], providers: [cpu], threads: [1] }
measure: { warmupIterations: 2, minIterations: 100, maxIterations: 100, minTimeMs: 0 }
trials: { min: 2, max: 2 }
`,
  );
  timeMs(bench("run", suite, "--db", db, "-q", "--debug-runner", "fake"));
  const d = new Database(db);
  const template = d.prepare("SELECT rowid AS key, id, started_at FROM runs").get();
  // A run's rows in the other tables: by its id (run_id) up to schema 8, by its number (run = runs.key) from schema 9.
  const keyOf = (t) => (d.pragma(`table_info(${t})`).some((c) => c.name === "run_id") ? "run_id" : "run");
  const copy = d.transaction(() => {
    const tables = d
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((t) => t.name)
      .filter((t) => d.pragma(`table_info(${t})`).some((c) => c.name === "run_id" || c.name === "run"));
    const t0 = Date.parse(template.started_at);
    for (let i = 1; i < n; i++) {
      const id = `${template.id.slice(0, 4)}${i.toString(16).padStart(8, "0")}`;
      const started = new Date(t0 - i * 60_000).toISOString();
      const runCols = d
        .pragma("table_info(runs)")
        .map((c) => c.name)
        .filter((c) => c !== "key");
      const sel = runCols.map((c) => (c === "id" ? "@id" : c === "started_at" ? "@started" : c)).join(", ");
      const key = d
        .prepare(`INSERT INTO runs (${runCols.join(", ")}) SELECT ${sel} FROM runs WHERE id = @template`)
        .run({ id, started, template: template.id }).lastInsertRowid;
      for (const t of tables) {
        const by = keyOf(t);
        const cols = d.pragma(`table_info(${t})`).map((c) => c.name);
        const s = cols.map((c) => (c === by ? "@run" : c)).join(", ");
        d.prepare(`INSERT INTO ${t} (${cols.join(", ")}) SELECT ${s} FROM ${t} WHERE ${by} = @template`).run(
          by === "run" ? { run: key, template: template.key } : { run: id, template: template.id },
        );
      }
    }
  });
  copy();
  d.pragma("wal_checkpoint(TRUNCATE)");
  d.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [db, n = "10000"] = process.argv.slice(2);
  if (!db) throw new Error("usage: node perf/make-store.mjs DB [N]");
  makeStore(db, Number(n));
}
