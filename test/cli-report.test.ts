import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { runsInput } from "../src/cli/report.js";
import { skippedCell } from "../src/measure/cell-result.js";
import type { ReportFormat } from "../src/report/format-names.js";
import { renderReport } from "../src/report/formats.js";
import type { CellResult } from "../src/results.js";
import { Store } from "../src/store/db.js";
import { createRng } from "../src/util/rng.js";
import { bench, tempDir } from "./helpers/cli.js";
import { bmfSchema, gabSchema } from "./helpers/report-shapes.js";
import { addRun, tinySuite } from "./helpers/store.js";

type CsvRow = Record<string, string>;
const csv = (text: string): CsvRow[] => parse(text, { columns: true, skip_empty_lines: true });

/**
 * `bench report` from outside, on real runs: a tiny suite (2 variants × 2 batch sizes, 2 trials)
 * timed by the deterministic fake runner, first with one cell failing and `--report`, then with
 * one cell 50% slower; every format read back.
 */
describe("bench report", () => {
  const dir = tempDir();
  const db = path.join(dir, "r.db");
  const suite = tinySuite(dir, 2, 2);
  const baselines = path.join(dir, "baselines");
  let cells: string[] = [];
  let firstId = "";
  let secondId = "";
  const report = (...args: string[]) => bench(["report", ...args, "--db", db, "--baselines", baselines]);
  /** The same report rendered in this process from the stored runs (spawning bench for each format would take seconds). */
  const render = async (refs: string[], format: ReportFormat) => {
    const store = Store.open(db, { mode: "read" });
    try {
      return await renderReport(
        runsInput(refs, { baselines }, () => store),
        format,
      );
    } finally {
      store.close();
    }
  };

  beforeAll(async () => {
    // Two variants: a/v/… and a/w/…
    const text = readFileSync(suite, "utf8").replace("variants: { v: m.onnx }", "variants: { v: m.onnx, w: m.onnx }");
    writeFileSync(suite, text);
    const first = await bench(["run", suite, "--db", db, "-q", "--debug-runner", "fake:fail=a/w/b2", "--report", path.join(dir, "first.md"), "--json"]);
    expect(first.code).toBe(3); // a cell failed; the report is still written
    firstId = (JSON.parse(first.stdout) as { run: { id: string } }).run.id;
    expect((await bench(["baseline", "save", firstId, "--name", "main", "--db", db, "--baselines", baselines])).code).toBe(0);
    // Against the baseline, a/v/b1 regressed: confirmed in a second, smaller run of the suite.
    const second = await bench([
      "run",
      suite,
      "--db",
      db,
      "-q",
      "--debug-runner",
      "fake:slow=a/v/b1@1.5",
      "--json",
      "--baseline",
      "main",
      "--baselines",
      baselines,
      "--report",
      path.join(dir, "second.json"),
      "--report-format",
      "bmf",
    ]);
    expect(second.code, second.stderr).toBe(1);
    const [run, confirmation] = JSON.parse(second.stdout) as { run: { id: string }; cells: CellResult[] }[];
    secondId = run?.run.id ?? "";
    expect(confirmation?.cells.map((c) => c.id)).toEqual(["a/v/b1/cpu/t1"]);
    cells = run?.cells.map((c) => c.id) ?? [];
    expect(cells).toHaveLength(4);
  }, 60_000);

  it("bench run --report writes the run's report after storing it, also when a cell failed", () => {
    // The run that confirmed the regression is not in the report: one result per benchmark.
    expect(Object.keys(bmfSchema.parse(JSON.parse(readFileSync(path.join(dir, "second.json"), "utf8")))).sort()).toEqual([...cells].sort());
    const md = readFileSync(path.join(dir, "first.md"), "utf8");
    for (const id of cells) expect(md).toContain(`\`${id}\``);
    expect(md).toMatch(/a\/w\/b2\/cpu\/t1` \| failed/);
    expect(md).toMatch(/fake runner: a\/w\/b2\/cpu\/t1 cannot be prepared/);
  });

  it("md: one run lists every cell with its statistics and intervals", async () => {
    const r = await report(secondId, "--format", "md");
    expect(r.code).toBe(0);
    for (const id of cells) expect(r.stdout).toMatch(new RegExp(`\\| \`${id}\` \\| ok \\| [\\d.]+ \\([\\d.]+–[\\d.]+\\)`));
  });

  it("a comparison has bench diff's verdicts, in json, csv and md", async () => {
    const [diff, json, table, md] = await Promise.all([
      bench(["diff", firstId, secondId, "--json", "--db", db]),
      report(firstId, secondId, "--format", "json"),
      report(firstId, secondId, "--format", "csv"),
      render([firstId, secondId], "md"),
    ]);
    expect([diff.code, json.code, table.code]).toEqual([0, 0, 0]);
    type Row = { cell: string; metric: string; verdict: string; change: number };
    const expected = (JSON.parse(diff.stdout) as { comparisons: Row[] }).comparisons;
    expect(expected.filter((c) => c.verdict === "regression").map((c) => c.cell)).toContain("a/v/b1/cpu/t1");
    const doc = JSON.parse(json.stdout) as { format: string; runs: { run: { id: string } }[]; comparison: { comparisons: Row[] } };
    expect(doc.format).toBe("bench-report");
    expect(doc.runs).toHaveLength(2);
    expect(doc.comparison.comparisons).toEqual(expected);
    const compared = csv(table.stdout).filter((r) => r.status === "compared");
    expect(compared.map((r) => [r.cell, r.metric, r.verdict, Number(r.value)])).toEqual(expected.map((c) => [c.cell, c.metric, c.verdict, c.change]));
    expect(md).toMatch(/regression in 1 of 3 cells/);
    expect(md).toMatch(/not compared: `a\/w\/b2\/cpu\/t1`: base is failed/);
  });

  it("csv: one row per cell × metric with its interval and unit, a failed cell's status", async () => {
    const rows = csv(await render([firstId], "csv"));
    expect(Object.keys(rows[0] ?? {})).toEqual(["run", "suite", "cell", "status", "metric", "value", "lower", "upper", "unit", "verdict"]);
    const ok = rows.filter((row) => row.status === "ok");
    expect(ok).toHaveLength(3 * 5);
    for (const row of ok) {
      expect(row.unit).toBe(row.metric === "throughput" ? "items/s" : "ms");
      if (row.lower !== "") expect(Number(row.lower)).toBeLessThanOrEqual(Number(row.value));
      if (row.upper !== "") expect(Number(row.upper)).toBeGreaterThanOrEqual(Number(row.value));
    }
    expect(rows.filter((row) => row.status === "failed")).toEqual([expect.objectContaining({ cell: "a/w/b2/cpu/t1", metric: "", value: "" })]);
  });

  it("bmf: Bencher's published shape, every measured cell with p50, p99 and throughput", async () => {
    const doc = bmfSchema.parse(JSON.parse(await render([secondId], "bmf")));
    expect(Object.keys(doc).sort()).toEqual([...cells].sort());
    for (const measures of Object.values(doc)) {
      expect(Object.keys(measures).sort()).toEqual(["p50-latency-ms", "p99-latency-ms", "throughput"].sort());
      const p50 = measures["p50-latency-ms"];
      expect(p50?.lower_value).toBeLessThanOrEqual(p50?.value ?? 0);
      expect(p50?.upper_value).toBeGreaterThanOrEqual(p50?.value ?? Infinity);
    }
    // The failed cell of the first run is left out, not reported as 0.
    const first = bmfSchema.parse(JSON.parse(await render([firstId], "bmf")));
    expect(Object.keys(first)).not.toContain("a/w/b2/cpu/t1");
  });

  it("gab: github-action-benchmark's shape, latency smaller-is-better and throughput bigger-is-better", async () => {
    const latency = gabSchema.parse(JSON.parse(await render([secondId], "gab")));
    const throughput = gabSchema.parse(JSON.parse(await render([secondId], "gab-bigger")));
    expect(latency.map((e) => e.name).sort()).toEqual(cells.flatMap((c) => [`${c} p50`, `${c} p99`]).sort());
    expect(new Set(latency.map((e) => e.unit))).toEqual(new Set(["ms"]));
    expect(throughput.map((e) => e.name).sort()).toEqual(cells.map((c) => `${c} throughput`).sort());
    expect(throughput.every((e) => e.unit === "items/s" && e.value > 0 && /^± [\d.]+$/.test(e.range ?? ""))).toBe(true);
  });

  it("several runs side by side (N-way), and html to a file", async () => {
    const out = path.join(dir, "three.html");
    const [md, html] = await Promise.all([render([firstId, secondId, `${secondId}:v`], "md"), report(firstId, `baseline:main`, "--out", out)]);
    expect(md).toMatch(/\| cell \| #1 \| #2 \| #3 \|/);
    expect(md).not.toMatch(/regression in/); // three runs: no pairwise verdicts
    expect(html.code, html.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/^<!doctype html>/i);
  });

  it("bad input exits 2 with one line: unknown run, bad format, --out in a missing directory, no runs", async () => {
    const missing = path.join(dir, "no-such-dir", "r.html");
    const cases = await Promise.all([
      report("nosuchrun"),
      report("latest", "--format", "pdf"),
      report("latest", "--out", missing),
      report(),
      report("--history", "nosuchsuite"),
      bench(["run", suite, "--db", db, "-q", "--debug-runner", "fake", "--report", missing]),
      bench(["run", suite, "--db", db, "-q", "--debug-runner", "fake", "--report", path.join(dir, "r.txt")]),
    ]);
    const patterns = [
      /^bench: nosuchrun: no run with this id/,
      /^bench: option '--format <format>' argument 'pdf' is invalid/,
      /^bench: --out .*r\.html: directory .*no-such-dir does not exist/,
      /^bench: give the runs to report/,
      /^bench: --history nosuchsuite: no completed run of suite 'nosuchsuite'/,
      /^bench: --report .*r\.html: directory .*no-such-dir does not exist/,
      /^bench: --report .*r\.txt: cannot tell the format from its extension/,
    ];
    cases.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(patterns[i] as RegExp);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    });
    expect(existsSync(path.dirname(missing))).toBe(false);
  });
});

/**
 * `bench report --history`: 14 completed runs of a suite written to a store directly (measuring
 * them would take minutes), one cell 20% slower from the 8th run on, one flat; realistic run-level
 * noise (a per-run offset of 2%).
 */
describe("bench report --history", () => {
  const dir = tempDir();
  const db = path.join(dir, "h.db");
  const key = { target: "m", variant: "v", batch: 1, provider: "cpu", threads: 1, load: { mode: "single" } } as const;
  const cell = (id: string, p50: number): CellResult => ({
    ...skippedCell({ ...key, id }, ""),
    status: "ok",
    error: null,
    latencyMs: {
      p50: { value: p50, ci: [p50 * 0.99, p50 * 1.01] },
      p90: { value: p50, ci: null },
      p95: { value: p50, ci: null },
      p99: { value: p50, ci: null },
      p999: { value: p50, ci: null },
      mean: { value: p50, ci: null },
      stddev: 0,
      min: p50,
      max: p50,
    },
    throughput: { value: 1000 / p50, ci: null, unit: "items/s" },
  });

  beforeAll(async () => {
    const store = Store.open(db);
    const rng = createRng(3);
    try {
      for (let i = 0; i < 14; i++) {
        const id = `run${String(i).padStart(2, "0")}`;
        await addRun(store, id, { name: "s" }, new Date(Date.UTC(2026, 0, 1 + i)).toISOString());
        store.saveCell(id, 0, cell("m/slow/b1", (i >= 7 ? 1.2 : 1) * Math.exp(0.02 * rng.normal())));
        store.saveCell(id, 1, cell("m/flat/b1", Math.exp(0.02 * rng.normal())));
        store.finishRun(id, "completed", new Date(Date.UTC(2026, 0, 1 + i, 1)).toISOString());
      }
    } finally {
      store.close();
    }
  });

  it("lists every run oldest first, the change point in the stepped cell and none in the flat one", async () => {
    const r = await bench(["report", "--history", "s", "--db", db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 change point\(s\) in 1 of 2 series/);
    expect(r.stdout).toMatch(/\*\*change point\*\* at #8 \(run `run07`\): [\d.]+ → [\d.]+ ms \(\+\d+\.\d%\)/);
    const flat = r.stdout.slice(r.stdout.indexOf("`m/flat/b1`"));
    expect(flat).toMatch(/No change point\./);
    expect(flat.indexOf("run00")).toBeLessThan(flat.indexOf("run13"));
  });

  it("csv and json carry the series, --cell picks cells; bmf has no history form", async () => {
    const [table, json, bmf] = await Promise.all([
      bench(["report", "--history", "s", "--format", "csv", "--db", db]),
      bench(["report", "--history", "s", "--cell", "m/slow", "--format", "json", "--db", db]),
      bench(["report", "--history", "s", "--format", "bmf", "--db", db]),
    ]);
    // BMF and GAB have no history form.
    expect(bmf.code).toBe(2);
    expect(bmf.stderr.trim()).toMatch(/^bench: --format bmf: a history has no BMF form[^\n]*$/);
    const rows = csv(table.stdout);
    expect(rows).toHaveLength(28);
    expect(rows.filter((row) => row.changePoint === "true").map((row) => [row.cell, row.run])).toEqual([["m/slow/b1", "run07"]]);
    const doc = JSON.parse(json.stdout) as { history: { cellId: string; points: unknown[]; changePoints: { index: number; change: number }[] }[] };
    expect(doc.history.map((s) => s.cellId)).toEqual(["m/slow/b1"]);
    expect(doc.history[0]?.points).toHaveLength(14);
    expect(doc.history[0]?.changePoints[0]?.index).toBe(7);
    expect(doc.history[0]?.changePoints[0]?.change).toBeGreaterThan(0.1);
  });
});
