// Where a results database's bytes go, from SQLite's dbstat: for each table and index, its pages,
// the bytes of payload it holds, the bytes left unused in its pages, and its payload per run.
// With PAGES=name,name also each page of those b-trees (leaf or interior, cells, payload, unused).
// Usage: node perf/store-pages.mjs DB  (e.g. one perf/store-size.mjs left in its temporary directory)
import Database from "better-sqlite3";

const file = process.argv[2];
if (!file) throw new Error("usage: node perf/store-pages.mjs DB");
const db = new Database(file, { readonly: true });
const runs = db.prepare("SELECT COUNT(*) FROM runs").pluck().get();
const rows = db
  .prepare("SELECT name, COUNT(*) AS pages, SUM(payload) AS payload, SUM(unused) AS unused FROM dbstat GROUP BY name ORDER BY pages DESC, payload DESC")
  .all();
console.log(`${file}: ${runs} runs, ${db.pragma("page_count", { simple: true })} pages, ${db.pragma("freelist_count", { simple: true })} free`);
console.log(`${"b-tree".padEnd(38)} pages  payload   unused  payload/run`);
for (const r of rows)
  console.log(
    `${r.name.padEnd(38)} ${String(r.pages).padStart(5)} ${String(r.payload).padStart(8)} ${String(r.unused).padStart(8)} ${(r.payload / Math.max(1, runs)).toFixed(0).padStart(12)}`,
  );
for (const name of (process.env.PAGES ?? "").split(",").filter(Boolean))
  for (const p of db.prepare("SELECT pageno, pagetype, ncell, payload, unused FROM dbstat WHERE name = ? ORDER BY path").all(name))
    console.log(`${name} page ${p.pageno}: ${p.pagetype}, ${p.ncell} cells, ${p.payload} payload, ${p.unused} unused`);
