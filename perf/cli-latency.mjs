// The CLI's latency rows on a 10k-run store: `bench --help`, `list`, `show latest`,
// `list -n 10000` (table and --json), each against `node -e 0` in the same rotation.
// Usage: node perf/cli-latency.mjs [ROUNDS=10] [DB]   (DB: an existing store, else one is built)
import path from "node:path";
import { makeStore } from "./make-store.mjs";
import { alternate, bench, minus, spread, tempDir } from "./lib.mjs";

const rounds = Number(process.argv[2] ?? 10);
let db = process.argv[3];
if (!db) {
  db = path.join(tempDir(), "bench.db");
  process.stderr.write(`building a 10,000-run store in ${db}…\n`);
  makeStore(db, 10_000);
}
const times = alternate(
  {
    "node -e 0": [process.execPath, "-e", "0"],
    "bench --help": bench("--help"),
    "bench list": bench("list", "--db", db),
    "bench show latest": bench("show", "latest", "--db", db),
    "bench list -n 10000": bench("list", "-n", "10000", "--db", db),
    "bench list -n 10000 --json": bench("list", "-n", "10000", "--json", "--db", db),
  },
  rounds,
);
const node = times["node -e 0"];
console.log(`${rounds} alternated rounds; wall ms: median (min, q1–q3, max); "over node" = paired per-round difference from node -e 0`);
for (const [name, t] of Object.entries(times)) {
  console.log(`${name.padEnd(28)} ${spread(t).padEnd(48)} ${name === "node -e 0" ? "" : `over node ${spread(minus(t, node))}`}`);
}
