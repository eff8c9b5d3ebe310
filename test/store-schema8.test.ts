import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Fingerprint } from "../src/fingerprint/index.js";
import { skippedCell } from "../src/measure/cell-result.js";
import type { CellResult, NoiseReport, RunTrials, TrialInfo } from "../src/results.js";
import { msToNs, nsToMs } from "../src/stats/metrics.js";
import { packJson, packJsonAgainst, packRunJson, packSamples, packSummary, packTrialRefs, summaryRefs, unpackJson, unpackRunJson } from "../src/store/codec.js";
import { Store } from "../src/store/db.js";
import { migrate, SCHEMA_VERSION } from "../src/store/schema.js";
import { ROOT } from "./helpers/cli.js";

const tempDb = () => path.join(mkdtempSync(path.join(tmpdir(), "bench-s8-")), "r.db");
const fingerprint: Fingerprint = {
  host: { hostname: "h", cpuModel: "AMD EPYC", logicalCores: 2, cpuSpeedMHz: 0, memoryBytes: 25e9, arch: "x64", platform: "linux", os: "Debian", kernel: "6" },
  runtime: { node: "20.20.2", v8: "11.3", onnxruntime: "1.30.0", bench: "0.1.0" },
  dependencies: { "onnxruntime-node": "1.30.0" },
  models: { "m.onnx": { sha256: "ab".repeat(32), bytes: 1000 } },
  git: { commit: "c", dirty: false, branch: "main" },
};

/** Whole-nanosecond latencies around 90 µs, as the real clock gives them. */
const latencies = (n: number, seed: number) =>
  Float64Array.from({ length: n }, (_, i) => 85_000 + ((i * 7919 + seed * 104_729) % 9_973) + (i % 41 === 0 ? 900_000 : 0));
/** A summary with the numbers a real one has: order statistics in whole ns, 17-digit doubles, an output digest of float32s. */
function summaryOf(ordinal: number, trial: number, ns: Float64Array, extraNote?: string): CellResult {
  const sorted = Array.from(ns).sort((a, b) => a - b);
  const ms = (k: number) => nsToMs(sorted[Math.min(sorted.length - 1, k)] ?? 0);
  const id = `m/${ordinal % 2 ? "b" : "a"}/b${1 + (ordinal >> 1)}/cpu/t1`;
  const key = { id, target: "m", variant: ordinal % 2 ? "b" : "a", batch: 1 + (ordinal >> 1), provider: "cpu", threads: 1, load: { mode: "single" } } as const;
  const odd = (x: number) => x / 3 + 1e-7 * trial;
  return {
    ...skippedCell(key, "x"),
    status: "ok",
    error: null,
    samples: ns.length,
    samplesDropped: 0,
    latencyMs: {
      p50: { value: ms(ns.length >> 1), ci: [ms((ns.length >> 1) - 5), ms((ns.length >> 1) + 5)] },
      p90: { value: odd(ms(90)), ci: [ms(85), ms(95)] },
      p95: { value: odd(ms(95)), ci: null },
      p99: { value: odd(ms(99)), ci: null },
      p999: { value: odd(ms(99)) * 1.1, ci: null },
      mean: { value: odd(0.113), ci: [odd(0.071), odd(0.155)] },
      stddev: odd(0.188),
      min: ms(0),
      max: ms(ns.length - 1),
    },
    relativeCI: odd(0.0267),
    elapsedMs: 11.474452 + trial,
    notes: ["p99: 100 samples are too few for a 95% interval (needs at least 368)", ...(extraNote ? [extraNote] : [])],
    ...(trial === 0
      ? {
          outputDigest: {
            seed: 2643612027,
            outputs: { logits: { dims: [1, 10], values: Array.from({ length: 10 }, (_, k) => Math.fround(Math.sin(k + ordinal) * 1.7)) } },
          },
        }
      : {}),
  };
}
const runRow = (id: string, status: "running" | "completed" = "running") => ({
  ...{ id, suite: "s", suiteFile: "/s.yaml", status, startedAt: "2026-01-01T00:00:00.000Z", finishedAt: null, seed: 1 },
  ...{ order: "interleaved" as const, noise: null, trials: null, benchVersion: "0.1.0", resolvedSuite: { name: "s" } },
  fingerprint,
});
const infoOf = (trial: number): TrialInfo => ({
  trial,
  status: "completed",
  startedAt: `2026-01-01T00:00:0${trial}.000Z`,
  finishedAt: `2026-01-01T00:00:0${trial}.500Z`,
  canaryMs: [12.348266, 13.107851 + trial],
  disturbed: false,
  notes: ["other processes used up to 71% of the CPU", "the canary ran slow around 3 cells"],
});
const trialsOf = (n: number) =>
  ({
    min: n,
    max: n,
    targetRelativeCI: 0.02,
    trials: Array.from({ length: n }, (_, k) => ({ ...infoOf(k + 1), disturbed: k === 0 })),
    canaryMs: 12.7280585,
    stopReason: "max-trials",
  }) as unknown as RunTrials;
const noise = {
  calibrationBeforeMs: 12.348266,
  calibrationAfterMs: 13.107851,
  samples: [],
  noisy: true,
  reasons: ["other processes used up to 71% of the CPU"],
} as unknown as NoiseReport;
/** The run's samples as measure/aggregate.ts builds them: its trials' own, through ms and back. */
const viaMs = (...parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p, (x) => msToNs(nsToMs(x)))));
const bits = (a: Float64Array | undefined) => Buffer.from((a ?? new Float64Array(0)).buffer).toString("hex");

/** What a reader returns of a run, as JSON: the run, its cells, every trial's cells, every cell's samples. */
function readBack(store: Store, id: string): string {
  const { run, cells } = store.loadRun(id);
  const trials = store.loadTrials(id);
  const samples = cells.map((c) => bits(store.loadSamples(id, c.id)));
  return JSON.stringify({ run, cells, trials: trials.cells.map((c) => [c.trial, c.ordinal, c.result, bits(c.latencyNs)]), infos: trials.infos, samples });
}

/** The same, read by a new process from the built store (dist/, built by the tests' global setup). */
function readBackElsewhere(file: string, id: string): string {
  const script = path.join(path.dirname(file), "read.mjs");
  writeFileSync(
    script,
    `import { Store } from ${JSON.stringify(path.join(ROOT, "dist/store/db.js"))};
const bits = (a) => Buffer.from((a ?? new Float64Array(0)).buffer).toString("hex");
const store = Store.open(process.argv[2], { mode: "read" });
const { run, cells } = store.loadRun(process.argv[3]);
const trials = store.loadTrials(process.argv[3]);
const samples = cells.map((c) => bits(store.loadSamples(process.argv[3], c.id)));
process.stdout.write(JSON.stringify({ run, cells, trials: trials.cells.map((c) => [c.trial, c.ordinal, c.result, bits(c.latencyNs)]), infos: trials.infos, samples }));
`,
  );
  return execFileSync(process.execPath, [script, file, id], { encoding: "utf8", timeout: 20_000 });
}

describe("schema 8: summaries with their numbers apart, against the run's other summaries", () => {
  it("gives every number back bit for bit, and a float32 in about 4 bytes", () => {
    const value = {
      whole: 0.086378,
      long: 0.10761859999999998,
      negative: -0.005321103732562098,
      f32: Math.fround(-0.14304447),
      tiny: 5e-324,
      huge: 2 ** 60,
      big: 1.7976931348623157e308,
      ints: [0, 100, 103324, 2643612027, -7],
      zero: -0,
      notFinite: [Number.NaN, Number.POSITIVE_INFINITY],
      text: ["0", "0.086378", ""],
      nested: { a: [{ b: 12345.678901, c: null, d: true, e: undefined }] },
      when: new Date(0),
    };
    const expected = JSON.parse(JSON.stringify(value)) as unknown;
    const back = unpackJson(packSummary(value));
    expect(back).toEqual(expected);
    expect(JSON.stringify(back)).toBe(JSON.stringify(expected));
    expect(Object.is((back as { negative: number }).negative, value.negative)).toBe(true);
    const digest = { values: Array.from({ length: 200 }, (_, k) => Math.fround(Math.sin(k) * 1.7)) };
    expect(unpackJson(packSummary(digest))).toEqual(digest);
    expect(packSummary(digest).length).toBeLessThan(200 * 6);
    expect(packJson(digest).length).toBeGreaterThan(200 * 7);
  });

  it("refuses a reference that is missing or has changed, and a blob cut short, naming what", () => {
    const ref = summaryOf(2, 1, latencies(100, 2));
    const value = summaryOf(0, 1, latencies(100, 1));
    const packed = packSummary(value, [{ trial: 1, ordinal: 2, value: ref }]);
    expect(summaryRefs(packed)).toEqual([{ trial: 1, ordinal: 2 }]);
    expect(packed.length).toBeLessThan(packSummary(value).length);
    expect(unpackJson(packed, undefined, (r) => (r.trial === 1 && r.ordinal === 2 ? ref : undefined))).toEqual(value);
    expect(() => unpackJson(packed)).toThrow(/against trial 1's cell 2, which is not there/);
    expect(() => unpackJson(packed, undefined, () => ({ ...ref, stddev: 0.1 }))).toThrow(/against trial 1's cell 2, which has changed since/);
    expect(() => unpackJson(packed.subarray(0, packed.length - 8), undefined, () => ref)).toThrow(/a stored summary that cannot be read back/);
    const infos = [JSON.stringify(infoOf(1)), JSON.stringify(infoOf(2))];
    const trials = packRunJson(trialsOf(2), infos);
    expect(unpackRunJson(trials, () => infos)).toEqual(trialsOf(2));
    expect(trials.length).toBeLessThan(JSON.stringify(trialsOf(2)).length / 3);
    expect(() => unpackRunJson(trials, () => [infos[0] ?? ""])).toThrow(/stored against 2 trial infos, of which 1 are there/);
    expect(() => unpackRunJson(trials, () => [infos[0] ?? "", JSON.stringify(infoOf(3))])).toThrow(/its 2 trial infos, which have changed since/);
  });

  it("reads back a run of 4 cells × 3 trials as it was stored, with trial cells stored again, here and in a new process", () => {
    const file = tempDb();
    const store = Store.open(file);
    store.createRun(runRow("r"));
    const ns = new Map<string, Float64Array>();
    const expected = new Map<string, CellResult>();
    for (let trial = 1; trial <= 3; trial++) {
      for (const ordinal of [3, 0, 2, 1]) {
        const s = latencies(100, trial * 10 + ordinal);
        ns.set(`${trial}/${ordinal}`, s);
        expected.set(`${trial}/${ordinal}`, summaryOf(ordinal, trial, s));
        store.saveTrialCell("r", trial, ordinal, summaryOf(ordinal, trial, s), s);
      }
      // The trial's end flags noisy cells: stored again, the one the others were packed against first.
      for (const ordinal of [3, 1]) {
        const flagged = summaryOf(ordinal, trial, ns.get(`${trial}/${ordinal}`) ?? new Float64Array(0), "noisy: the canary ran 37% slow around this cell");
        expected.set(`${trial}/${ordinal}`, flagged);
        store.saveTrialCell("r", trial, ordinal, flagged, ns.get(`${trial}/${ordinal}`));
      }
      store.saveTrialInfo("r", infoOf(trial));
    }
    for (let ordinal = 0; ordinal < 4; ordinal++) {
      const parts = [1, 2, 3].map((t) => ns.get(`${t}/${ordinal}`) ?? new Float64Array(0));
      store.saveCell("r", ordinal, summaryOf(ordinal, 0, viaMs(...parts)), viaMs(...parts));
    }
    // The run's first cell is the one the others were packed against: replaced, they are packed again.
    const updated = { ...summaryOf(0, 0, viaMs(new Float64Array(0))), notes: ["noisy: flagged after the run"] };
    store.updateCell("r", updated);
    store.finishRun("r", "completed", "2026-01-01T00:00:09.000Z", noise, trialsOf(3));

    const trials = store.loadTrials("r");
    expect(trials.cells.map((c) => [c.trial, c.ordinal])).toEqual([0, 1, 2, 3].flatMap((o) => [1, 2, 3].map((t) => [t, o])));
    for (const c of trials.cells) {
      expect(c.result).toEqual(expected.get(`${c.trial}/${c.ordinal}`));
      expect(bits(c.latencyNs)).toBe(bits(ns.get(`${c.trial}/${c.ordinal}`)));
    }
    expect(trials.infos).toEqual([1, 2, 3].map(infoOf));
    const { run, cells } = store.loadRun("r");
    expect(cells.map((c) => c.id)).toEqual([0, 1, 2, 3].map((o) => summaryOf(o, 0, new Float64Array(1)).id));
    expect(cells[0]).toEqual(updated);
    expect(cells[1]).toEqual(summaryOf(1, 0, viaMs(...[1, 2, 3].map((t) => ns.get(`${t}/1`) ?? new Float64Array(0)))));
    expect(run.noise).toEqual(noise);
    expect(run.trials).toEqual(trialsOf(3));
    expect(store.listRuns(5)[0]?.trials).toEqual(trialsOf(3));
    for (let ordinal = 0; ordinal < 4; ordinal++) {
      const id = cells[ordinal]?.id ?? "";
      expect(bits(store.loadSamples("r", id))).toBe(bits(viaMs(...[1, 2, 3].map((t) => ns.get(`${t}/${ordinal}`) ?? new Float64Array(0)))));
    }
    const here = readBack(store, "r");
    store.close();

    const db = new Database(file, { readonly: true });
    const refs = (db.prepare("SELECT summary FROM trial_cells").pluck().all() as Buffer[]).map((b) => summaryRefs(b)?.length ?? -1);
    const rows = db.prepare("SELECT (SELECT COUNT(*) FROM samples) AS own, (SELECT COUNT(*) FROM cells WHERE samples_from IS NOT NULL) AS refs").get();
    const owner = db.prepare("SELECT host, pid, process FROM runs").get();
    db.close();
    expect(refs.every((n) => n >= 0)).toBe(true); // all in format 3
    expect(refs.filter((n) => n > 0).length).toBeGreaterThanOrEqual(9); // most packed against another summary
    expect(rows).toEqual({ own: 0, refs: 4 }); // the run's samples are its trials': a reference in the cell's row
    expect(owner).toEqual({ host: null, pid: null, process: null });
    expect(readBackElsewhere(file, "r")).toBe(here);
  });

  it("keeps every reference unique when two cells share an ordinal (an imported file may say so)", () => {
    const file = tempDb();
    const store = Store.open(file);
    store.createRun(runRow("r"));
    const cellAt = (ordinal: number, name: number, trial: number) => ({ ...summaryOf(ordinal, trial, latencies(100, name)), id: `m/c${name}/b1/cpu/t1` });
    // c0 at ordinal 0 is the centre the others are packed against; c2 then comes at ordinal 0 too.
    for (const [name, ordinal] of [
      [0, 0],
      [1, 5],
      [2, 0],
    ] as const)
      store.saveTrialCell("r", 1, ordinal, cellAt(ordinal, name, 1), latencies(100, name));
    for (const [name, ordinal] of [
      [0, 0],
      [1, 5],
      [2, 0],
    ] as const)
      store.saveCell("r", ordinal, cellAt(ordinal, name, 0));
    const byId = (cells: CellResult[]) => [...cells].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(store.loadTrials("r").cells.map((c) => c.result))).toEqual([cellAt(0, 0, 1), cellAt(5, 1, 1), cellAt(0, 2, 1)]);
    expect(byId(store.loadRun("r").cells)).toEqual([cellAt(0, 0, 0), cellAt(5, 1, 0), cellAt(0, 2, 0)]);
    store.close();
    const db = new Database(file, { readonly: true });
    const refs = (db.prepare("SELECT summary FROM trial_cells UNION ALL SELECT summary FROM cells").pluck().all() as Buffer[]).flatMap(
      (b) => summaryRefs(b) ?? [],
    );
    db.close();
    expect(refs.filter((r) => r.ordinal === 0)).toEqual([]);
  });

  it("migrates a schema-7 store: every reader returns what it did, and a new run written after reads back in a new process", () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, 0, 7);
    db.prepare("INSERT INTO suites (hash, body) VALUES ('h', '{\"name\":\"s\"}')").run();
    const partIds: Record<string, number> = {};
    for (const [key, value] of Object.entries(fingerprint)) {
      const info = db.prepare("INSERT INTO fingerprint_parts (hash, body) VALUES (?, ?)").run(`hash-${key}`, JSON.stringify(value));
      partIds[key] = Number(info.lastInsertRowid);
    }
    const insertRun = db.prepare(
      `INSERT INTO runs (id, suite, suite_file, suite_hash, seed, status, started_at, finished_at, fingerprint_refs, bench_version, order_mode, noise, trials, host, pid, process)
       VALUES (?, 's', '/s.yaml', 'h', 1, ?, ?, ?, ?, '0.1.0', 'interleaved', ?, ?, 'host', 42, 'boot ns 7')`,
    );
    insertRun.run(
      "old",
      "completed",
      "2025-01-01T00:00:00.000Z",
      "2025-01-01T00:00:05.000Z",
      JSON.stringify(partIds),
      JSON.stringify(noise),
      JSON.stringify(trialsOf(2)),
    );
    insertRun.run("live", "running", "2025-01-02T00:00:00.000Z", null, JSON.stringify(partIds), null, null);
    const ns = new Map<string, Float64Array>();
    for (let trial = 1; trial <= 2; trial++) {
      for (let ordinal = 0; ordinal < 3; ordinal++) {
        const s = latencies(100, trial * 10 + ordinal);
        ns.set(`${trial}/${ordinal}`, s);
        const cell = summaryOf(ordinal, trial, s);
        // Schema 7: the first trial's summary alone (format 1), a later one against it (format 2).
        const summary = trial === 1 ? packJson(cell) : packJsonAgainst(cell, 1, JSON.stringify(summaryOf(ordinal, 1, ns.get(`1/${ordinal}`) ?? s)));
        db.prepare("INSERT INTO trial_cells (run_id, trial, cell_id, ordinal, summary, latency_ns) VALUES ('old', ?, ?, ?, ?, ?)").run(
          trial,
          cell.id,
          ordinal,
          summary,
          packSamples(s),
        );
      }
      db.prepare("INSERT INTO trial_info (run_id, trial, info) VALUES ('old', ?, ?)").run(trial, JSON.stringify(infoOf(trial)));
    }
    const runSamples = [0, 1, 2].map((o) => viaMs(ns.get(`1/${o}`) ?? new Float64Array(0), ns.get(`2/${o}`) ?? new Float64Array(0)));
    runSamples[2] = Float64Array.from([1.5e6, 2.25e6]); // not its trials': stored itself
    for (let ordinal = 0; ordinal < 3; ordinal++) {
      const cell = summaryOf(ordinal, 0, runSamples[ordinal] ?? new Float64Array(0));
      const reference = JSON.stringify(summaryOf(ordinal, 1, ns.get(`1/${ordinal}`) ?? new Float64Array(0)));
      db.prepare("INSERT INTO cells (run_id, cell_id, ordinal, status, summary) VALUES ('old', ?, ?, 'ok', ?)").run(
        cell.id,
        ordinal,
        packJsonAgainst(cell, 1, reference),
      );
      const blob =
        ordinal < 2
          ? packTrialRefs([
              { trial: 1, from: 0 },
              { trial: 2, from: 0 },
            ])
          : packSamples(runSamples[ordinal] ?? new Float64Array(0));
      db.prepare("INSERT INTO samples (run_id, cell_id, count, latency_ns) VALUES ('old', ?, ?, ?)").run(cell.id, runSamples[ordinal]?.length ?? 0, blob);
    }
    db.close();

    const notices: string[] = [];
    const store = Store.open(file, { mode: "write", notice: (l) => notices.push(l) });
    expect(notices.join("\n")).toMatch(new RegExp(`upgraded from schema 7 to ${SCHEMA_VERSION}`));
    expect(existsSync(`${file}.v7.bak`)).toBe(true);
    const { run, cells } = store.loadRun("old");
    expect(cells).toEqual([0, 1, 2].map((o) => summaryOf(o, 0, runSamples[o] ?? new Float64Array(0))));
    expect(run.noise).toEqual(noise);
    expect(run.trials).toEqual(trialsOf(2));
    expect(JSON.stringify(run.fingerprint)).toBe(JSON.stringify(fingerprint));
    const trials = store.loadTrials("old");
    expect(trials.cells.map((c) => c.result)).toEqual([0, 1, 2].flatMap((o) => [1, 2].map((t) => summaryOf(o, t, ns.get(`${t}/${o}`) ?? new Float64Array(0)))));
    expect(trials.infos).toEqual([infoOf(1), infoOf(2)]);
    for (let ordinal = 0; ordinal < 3; ordinal++) expect(bits(store.loadSamples("old", cells[ordinal]?.id ?? ""))).toBe(bits(runSamples[ordinal]));
    expect(store.listRuns(5).map((r) => [r.id, r.status])).toEqual([
      ["live", "running"],
      ["old", "completed"],
    ]);
    const before = readBack(store, "old");

    // A run written after the migration, in schema 8's formats, read back by another process.
    store.createRun({ ...runRow("new"), startedAt: "2025-01-03T00:00:00.000Z" });
    const fresh = [0, 1].map((o) => latencies(100, 70 + o));
    fresh.forEach((s, o) => store.saveTrialCell("new", 1, o, summaryOf(o, 1, s), s));
    store.saveTrialInfo("new", infoOf(1));
    fresh.forEach((s, o) => store.saveCell("new", o, summaryOf(o, 0, viaMs(s)), viaMs(s)));
    store.finishRun("new", "completed", "2025-01-03T00:00:05.000Z", noise, trialsOf(1));
    const written = readBack(store, "new");
    store.close();

    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT cell_id FROM samples WHERE run = (SELECT key FROM runs WHERE id = 'old')").pluck().all()).toEqual([cells[2]?.id]); // the references moved to the cells' rows
    expect(raw.prepare("SELECT id, host, pid FROM runs ORDER BY started_at").all()).toEqual([
      { id: "old", host: null, pid: null },
      { id: "live", host: "host", pid: 42 },
      { id: "new", host: null, pid: null },
    ]);
    raw.close();
    expect(readBackElsewhere(file, "old")).toBe(before);
    expect(readBackElsewhere(file, "new")).toBe(written);
  });
});
