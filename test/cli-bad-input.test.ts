import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bench, ROOT, tempDir } from "./helpers/cli.js";

/**
 * Bad values for every option and argument of the CLI (numbers out of range or not numbers, empty
 * strings, unknown values, malformed files): each is exit 2 with one line on stderr that names the
 * option or file and says what to give instead; never a stack trace, never anything on stdout.
 */
const dir = tempDir("bench-bad-input-");
const db = path.join(dir, "r.db");
const suite = path.join(dir, "s.yaml");
const baselines = path.join(dir, "baselines");
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), file("m.onnx"));
  // 8,000 samples: `show --json --samples` is then far more than a pipe holds.
  writeFileSync(
    suite,
    "name: bad\ntargets:\n  a: { kind: onnx, variants: { v: m.onnx } }\ntrials: { min: 1, max: 1 }\n" +
      "measure: { minIterations: 8000, maxIterations: 8000, minTimeMs: 0, maxTimeMs: 100000 }\n",
  );
  writeFileSync(file("not-a-dir"), "x\n");
  const r = await bench(["run", suite, "--db", db, "-q", "--debug-runner", "fake"]);
  expect(r.code, r.stderr).toBe(0);
  expect((await bench(["baseline", "save", "-n", "main", "--db", db, "--baselines", baselines])).code).toBe(0);

  // Hand-edited copies of a good baseline and of a good run document.
  const good = JSON.parse(readFileSync(path.join(baselines, "bad/main.json"), "utf8")) as { cells: { summary: Record<string, unknown> }[] };
  const cell0 = (f: (summary: Record<string, unknown>) => Record<string, unknown>) =>
    JSON.stringify({ ...good, cells: good.cells.map((c, i) => (i === 0 ? { ...c, summary: f(c.summary) } : c)) });
  writeFileSync(
    path.join(baselines, "bad/empty-summary.json"),
    cell0(() => ({})),
  );
  writeFileSync(
    path.join(baselines, "bad/no-latency.json"),
    cell0(({ latencyMs: _l, ...rest }) => rest),
  );
  const run = JSON.parse(readFileSync(path.join(ROOT, "test/fixtures/golden/run-samples.json"), "utf8")) as { run: object; cells: object[] };
  writeFileSync(file("run.json"), JSON.stringify(run));
  writeFileSync(file("fingerprint.json"), JSON.stringify({ ...run, run: { ...run.run, fingerprint: {} } }));
  writeFileSync(file("null-cell.json"), JSON.stringify({ ...run, cells: [null] }));
  writeFileSync(file("null.json"), "null");
  writeFileSync(file("broken.json"), "{");
}, 60_000);

/** [what, args, a pattern the one line must match]. */
const CASES: [string, string[], RegExp][] = [
  ["list -n 1e308", ["list", "-n", "1e308", "--db", db], /--limit <n>' argument '1e308' is invalid: expected a whole number from 1 to/],
  ["list -n 0", ["list", "-n", "0", "--db", db], /--limit.*'0' is invalid/],
  ["list -n -1", ["list", "-n", "-1", "--db", db], /--limit.*'-1' is invalid/],
  ["list -n abc", ["list", "-n", "abc", "--db", db], /--limit.*'abc' is invalid/],
  ["list with an argument", ["list", "extra", "--db", db], /too many arguments for 'list'/],
  ["show latest~huge", ["show", "latest~99999999999999999999", "--db", db], /latest~99999999999999999999: after latest~ give how many runs back/],
  ["show latest~-1", ["show", "latest~-1", "--db", db], /latest~-1: after latest~ give how many runs back/],
  ["show ''", ["show", "", "--db", db], /an empty run reference; give a run id/],
  ["show baseline: (no name)", ["show", "baseline:", "--baselines", baselines], /the baseline name is empty/],
  ["show a baseline with summary {}", ["show", "baseline:empty-summary", "--baselines", baselines], /empty-summary\.json: cells\.0\.summary\.error: missing/],
  ["baseline show, latencyMs missing", ["baseline", "show", "no-latency", "--baselines", baselines], /no-latency\.json: cells\.0\.summary\.latencyMs: missing/],
  [
    "diff with a baseline with summary {}",
    ["diff", "baseline:empty-summary", "latest", "--db", db, "--baselines", baselines],
    /cells\.0\.summary\.error: missing/,
  ],
  ["diff a run JSON with fingerprint {}", ["diff", file("fingerprint.json"), file("run.json")], /fingerprint\.json: run\.fingerprint\.host: missing/],
  ["diff a run JSON with a null cell", ["diff", file("run.json"), file("null-cell.json")], /null-cell\.json: cells\.0: /],
  ["diff a JSON null", ["diff", file("null.json"), file("run.json")], /null\.json: neither a baseline nor a 'bench run --json' document/],
  ["diff broken JSON", ["diff", file("broken.json"), file("run.json")], /broken\.json: not valid JSON/],
  ["diff a missing file", ["diff", file("absent.json"), file("run.json")], /absent\.json: no such file/],
  ["diff ''", ["diff", "", "latest", "--db", db], /an empty run reference/],
  ["diff without arguments", ["diff"], /missing required argument 'base'/],
  ["diff --seed x", ["diff", "latest", "latest", "--seed", "x", "--db", db], /--seed <n>' argument 'x' is invalid/],
  [
    "diff --threshold 0",
    ["diff", "latest", "latest", "--threshold", "0", "--db", db],
    /--threshold <fraction>' argument '0' is invalid: expected a relative threshold/,
  ],
  ["diff --threshold ''", ["diff", "latest", "latest", "--threshold", "", "--db", db], /--threshold.*'' is invalid/],
  ["diff --metric p42", ["diff", "latest", "latest", "--metric", "p42", "--db", db], /--metric p42: expected one of p50/],
  ["diff --metric ''", ["diff", "latest", "latest", "--metric", "", "--db", db], /--metric <name>' argument '' is invalid/],
  ["diff --summary ''", ["diff", "latest", "latest", "--summary", "", "--db", db], /--summary <file>' argument '' is invalid/],
  [
    "diff --baselines at a file",
    ["diff", "baseline:main", "latest", "--db", db, "--baselines", file("not-a-dir")],
    /not-a-dir: a file, not a directory of baselines/,
  ],
  ["diff --summary a directory", ["diff", "latest", "latest", "--summary", dir, "--db", db], /--summary .*: is a directory; give a file name such as/],
  [
    "diff --junit under a file",
    ["diff", "latest", "latest", "--junit", path.join(file("not-a-dir"), "j.xml"), "--db", db],
    /--junit .*not-a-dir is a file, not a directory/,
  ],
  // mkdirSync's recursive mode never returned here.
  ["diff --summary under /proc", ["diff", "latest", "latest", "--summary", "/proc/nope/s.md", "--db", db], /--summary \/proc\/nope\/s\.md: cannot write it/],
  ["run --seed 1e30", ["run", suite, "--seed", "1e30"], /--seed <n>' argument '1e30' is invalid: expected a whole number from 0 to 4294967295/],
  ["run --seed 2^32", ["run", suite, "--seed", "4294967296"], /--seed.*'4294967296' is invalid/],
  ["run --trials 0", ["run", suite, "--trials", "0"], /--trials <n>' argument '0' is invalid: expected a number of trials/],
  ["run --trials 5-3", ["run", suite, "--trials", "5-3"], /--trials.*'5-3' is invalid/],
  ["run --trials 99999", ["run", suite, "--trials", "99999"], /--trials.*'99999' is invalid/],
  ["run --order random", ["run", suite, "--order", "random"], /--order <order>' argument 'random' is invalid: Allowed choices are interleaved, sequential/],
  ["run --baseline ''", ["run", suite, "--baseline", ""], /--baseline <name>' argument '' is invalid: expected a baseline name/],
  ["run --baseline ../x", ["run", suite, "--baseline", "../x", "--baselines", baselines], /'\.\.': a suite name is letters, digits/],
  ["run --baselines ''", ["run", suite, "--baselines", ""], /--baselines <dir>' argument '' is invalid/],
  ["run -f ''", ["run", suite, "-f", ""], /--filter <pattern>' argument '' is invalid: expected a cell id pattern/],
  ["run -f that matches nothing", ["run", suite, "-f", "nope", "--db", db], /--filter nope matches none of the suite's cells/],
  ["run --debug-runner ''", ["run", suite, "--debug-runner", ""], /--debug-runner <spec>' argument '' is invalid/],
  ["run --debug-runner nope", ["run", suite, "--debug-runner", "nope"], /--debug-runner nope: unknown runner 'nope'/],
  ["run --bogus", ["run", "--bogus"], /unknown option '--bogus'/],
  ["baseline save -n ''", ["baseline", "save", "-n", "", "--db", db, "--baselines", baselines], /--name <name>' argument '' is invalid/],
  ["baseline save -n ../x", ["baseline", "save", "-n", "../x", "--db", db, "--baselines", baselines], /'\.\.\/x': a baseline name is letters/],
  ["baseline save latest~huge", ["baseline", "save", "latest~99999999999999999999", "-n", "x", "--db", db, "--baselines", baselines], /after latest~/],
  ["baseline save to a file", ["baseline", "save", "-n", "x", "--db", db, "--baselines", file("not-a-dir")], /not-a-dir: a file, not a directory of baselines/],
  ["baseline list --suite ''", ["baseline", "list", "--suite", "", "--baselines", baselines], /--suite <name>' argument '' is invalid/],
  ["baseline list --suite ../..", ["baseline", "list", "--suite", "../..", "--baselines", baselines], /--suite '\.\.\/\.\.': a suite name is letters/],
  ["baseline list --baselines at a file", ["baseline", "list", "--baselines", file("not-a-dir")], /not-a-dir: a file, not a directory of baselines/],
  ["calibrate --runs 1", ["calibrate", suite, "--runs", "1"], /--runs <n>' argument '1' is invalid: .*give at least 2/],
  ["calibrate --runs 1000", ["calibrate", suite, "--runs", "1000"], /--runs.*'1000' is invalid/],
  ["calibrate --baseline ''", ["calibrate", suite, "--baseline", ""], /--baseline <name>' argument '' is invalid/],
  ["serve -p 70000", ["serve", file("m.onnx"), "-p", "70000"], /--port <port>' argument '70000' is invalid: expected a whole number from 0 to 65535/],
  ["serve --host ''", ["serve", file("m.onnx"), "--host", ""], /--host <host>' argument '' is invalid/],
  ["validate without a suite", ["validate"], /missing required argument 'suites'/],
  ["an unknown command", ["bogus"], /unknown command 'bogus'/],
];

describe.concurrent("a bad CLI call is exit 2 and one line that names what is wrong", () => {
  it("covers at least 40 calls", () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES)("%s", async (_what, args, pattern) => {
    const r = await bench(args, { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^bench: /);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  });

  it("an empty BENCH_BASELINES (an unset CI variable) means the default directory, not the current one", async () => {
    const r = await bench(["baseline", "list"], { cwd: dir, env: { BENCH_BASELINES: "" } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("a reader that goes away (bench … | head)", () => {
  it("is no error: the command exits with its own code, quietly", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, [path.join(ROOT, "bin/bench"), "show", "latest", "--json", "--samples", "--db", db], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Read one chunk, then close the pipe, as `head -c` does.
    child.stdout.once("data", () => child.stdout.destroy());
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
