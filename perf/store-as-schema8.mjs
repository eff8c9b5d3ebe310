// The same runs in schema 9 and in schema 8, both VACUUMed (pages full): how many pages each
// takes, free of the page boundaries and of the samples' own noise that perf/store-size.mjs's
// rounds carry. DB is a schema-9 database (e.g. one perf/store-size.mjs left in its temporary
// directory); its rows are written into schema 8's tables as schema 8 stores them (the run id
// in each row, the suite's hash, the fingerprint's list, a cell's output digest in its summary).
// Uses this tree's dist/ (npx tsc -p tsconfig.build.json). Usage: node perf/store-as-schema8.mjs DB
import { copyFileSync, rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { ROOT, tempDir } from "./lib.mjs";

const { migrate } = await import(path.join(ROOT, "dist/store/schema.js"));
const { Store } = await import(path.join(ROOT, "dist/store/db.js"));
const { packSummary } = await import(path.join(ROOT, "dist/store/codec.js"));
const [src] = process.argv.slice(2);
if (!src) throw new Error("usage: node perf/store-as-schema8.mjs DB");
const dir = tempDir();
const from = path.join(dir, "schema9.db");
const to = path.join(dir, "schema8.db");
{
  const d = new Database(src);
  d.pragma("wal_checkpoint(TRUNCATE)");
  d.prepare("VACUUM INTO ?").run(from + ".tmp");
  d.close();
}
rmSync(from, { force: true });
copyFileSync(from + ".tmp", from);
rmSync(from + ".tmp");
const st = Store.open(from, { mode: "read" });
const ids = st.listRuns(1000).map((r) => r.id);
const runCells = ids.flatMap((id) => st.loadRun(id).cells.map((c) => [packSummary(c), id, c.id]));
st.close();
const db = new Database(to);
migrate(db, 0, 8);
db.prepare("ATTACH ? AS n").run(from);
db.exec(`
  INSERT INTO suites (hash, body) SELECT hash, body FROM n.suites ORDER BY id;
  INSERT INTO fingerprint_parts (id, hash, body) SELECT id, hash, body FROM n.fingerprint_parts;
  INSERT INTO runs (rowid, id, suite, suite_file, suite_hash, seed, status, started_at, finished_at, bench_version, order_mode, noise, trials, host, pid, process, origin, fingerprint_refs)
    SELECT r.key, r.id, r.suite, r.suite_file, s.hash, r.seed, r.status, r.started_at, r.finished_at, r.bench_version, r.order_mode, r.noise, r.trials, r.host, r.pid, r.process, r.origin, f.refs
    FROM n.runs AS r JOIN n.suites AS s ON s.id = r.suite_id LEFT JOIN n.fingerprints AS f ON f.id = r.fingerprint_id ORDER BY r.key;
  INSERT INTO cells (run_id, cell_id, ordinal, status, summary, samples_from) SELECT r.id, c.cell_id, c.ordinal, c.status, c.summary, c.samples_from FROM n.cells AS c JOIN n.runs AS r ON r.key = c.run ORDER BY c.run, c.ordinal;
  INSERT INTO trial_cells (run_id, trial, cell_id, ordinal, summary, latency_ns) SELECT r.id, t.trial, t.cell_id, t.ordinal, t.summary, t.latency_ns FROM n.trial_cells AS t JOIN n.runs AS r ON r.key = t.run ORDER BY t.rowid;
  INSERT INTO trial_info (run_id, trial, info) SELECT r.id, t.trial, t.info FROM n.trial_info AS t JOIN n.runs AS r ON r.key = t.run;
`);
db.exec("DETACH n");
const update = db.prepare("UPDATE cells SET summary = ? WHERE run_id = ? AND cell_id = ?");
for (const row of runCells) update.run(...row);
db.exec("VACUUM");
const pages = (f) => {
  const d = new Database(f, { readonly: true });
  const n = d.pragma("page_count", { simple: true });
  d.close();
  return n;
};
console.log(src, "schema 9 (vacuumed):", pages(from), "pages; the same runs in schema 8 (vacuumed):", pages(to));
db.close();
