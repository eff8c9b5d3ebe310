// The CLI's latency rows on a 10k-run store: `bench --help`, `list`, `show latest`,
// `list -n 10000` (table and --json), each against `node -e 0` in the same rotation.
// Usage: node perf/cli-latency.mjs [ROUNDS=10] [DB]   (DB: an existing store, else one is built)
// BENCH_BEFORE=…/dist/cli.js: another build's rows, alternated with these.
import path from "node:path";
import { makeStore } from "./make-store.mjs";
import { alternate, ENTRY, minus, spread, tempDir } from "./lib.mjs";

const rounds = Number(process.argv[2] ?? 10);
let db = process.argv[3];
if (!db) {
  db = path.join(tempDir(), "bench.db");
  process.stderr.write(`building a 10,000-run store in ${db}…\n`);
  makeStore(db, 10_000);
}
// BENCH_BEFORE=path/to/other/dist/cli.js adds the same rows for another build, alternated with these.
const builds = { "": ENTRY, ...(process.env.BENCH_BEFORE ? { " (before)": process.env.BENCH_BEFORE } : {}) };
const commands = { "node -e 0": [process.execPath, "-e", "0"] };
for (const [label, entry] of Object.entries(builds)) {
  const cli = (...args) => [process.execPath, entry, ...args];
  commands[`bench --help${label}`] = cli("--help");
  commands[`bench list${label}`] = cli("list", "--db", db);
  commands[`bench show latest${label}`] = cli("show", "latest", "--db", db);
  commands[`bench list -n 10000${label}`] = cli("list", "-n", "10000", "--db", db);
  commands[`bench list -n 10000 --json${label}`] = cli("list", "-n", "10000", "--json", "--db", db);
}
const times = alternate(commands, rounds);
const node = times["node -e 0"];
console.log(`${rounds} alternated rounds; wall ms: median (min, q1–q3, max); "over node" = paired per-round difference from node -e 0`);
for (const [name, t] of Object.entries(times)) {
  console.log(`${name.padEnd(37)} ${spread(t).padEnd(48)} ${name === "node -e 0" ? "" : `over node ${spread(minus(t, node))}`}`);
}
