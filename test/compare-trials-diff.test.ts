import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { reportDiffs } from "../src/cli/gate.js";
import { type DiffResult, diffSides } from "../src/compare/diff.js";
import type { Side } from "../src/compare/side.js";
import type { CellResult, RunTrials, TrialSummary } from "../src/results.js";
import { holm } from "../src/stats/holm.js";
import { regressionPolicy } from "../src/suite/resolve.js";
import { createRng, type Rng } from "../src/util/rng.js";
import { BLIND_DIFF, CLEAN_DIFF, DISTURBED_DIFF } from "./fixtures/runs/sample-diff.js";
import { FINGERPRINT, OK_CELL } from "./fixtures/runs/sample-run.js";

/**
 * diffSides on hand-built sides: cells measured in trials are compared between trials (paired
 * inside one run, unpaired across runs), the others from their samples, all in one Holm family;
 * the canary flags a machine that changed.
 */

const CELLS = ["m/v/b1/cpu/t1", "m/v/b8/cpu/t1", "n/v/b1/cpu/t1", "n/v/b8/cpu/t1"];
const MEDIAN_MS: Record<string, number> = { "m/v/b1/cpu/t1": 2, "m/v/b8/cpu/t1": 9, "n/v/b1/cpu/t1": 0.5, "n/v/b8/cpu/t1": 3.3 };

/** One trial's statistics: every latency metric of the cell times `factor`. */
function trial(n: number, medianMs: number, factor: number, disturbed = false): TrialSummary {
  const p50 = medianMs * factor;
  return { trial: n, samples: 500, samplesDropped: 0, p50, p90: p50 * 1.3, p99: p50 * 1.9, mean: p50 * 1.1, throughput: 1000 / (p50 * 1.1), disturbed };
}

/** `count` trials whose metrics move by exp(sd·N(0,1)) each, on top of `offsets[k]` (shared, when given) and `scale`. */
function trials(rng: Rng, cell: string, count: number, sd: number, scale = 1, offsets: readonly number[] = []): TrialSummary[] {
  return Array.from({ length: count }, (_, k) => trial(k + 1, MEDIAN_MS[cell] as number, scale * (offsets[k] ?? 1) * Math.exp(sd * rng.normal())));
}

function cell(id: string, cellTrials: TrialSummary[] | null): CellResult {
  const [target = "m", variant = "v", batch = "b1"] = id.split("/");
  return { ...OK_CELL, id, target, variant, batch: Number(batch.slice(1)), threads: 1, model: null, trials: cellTrials };
}

function runTrials(count: number, canaryMs: number | null, disturbed: number[] = []): RunTrials {
  return {
    min: 3,
    max: 10,
    targetRelativeCI: 0.02,
    trials: Array.from({ length: count }, (_, k) => ({
      trial: k + 1,
      status: "completed" as const,
      startedAt: "2024-01-02T03:04:05.000Z",
      finishedAt: null,
      canaryMs: null,
      disturbed: disturbed.includes(k + 1),
      notes: [],
    })),
    canaryMs,
    stopReason: "precise",
  };
}

/** Samples for the sample path: lognormal around the cell's median (deterministic per seed). */
function samplesOf(cells: readonly CellResult[], seed: number, factor = 1): (id: string) => number[] | undefined {
  const series = new Map(
    cells.map((c, i) => {
      const rng = createRng(seed + i);
      return [c.id, Array.from({ length: 400 }, () => (MEDIAN_MS[c.id] ?? 1) * factor * Math.exp(0.05 * rng.normal()))];
    }),
  );
  return (id) => series.get(id);
}

function side(runId: string, cells: CellResult[], overrides: Partial<Side> = {}): Side {
  return {
    label: runId,
    runId,
    suite: "s",
    status: "completed",
    fingerprint: FINGERPRINT,
    resolvedSuite: null,
    noisy: false,
    cells,
    steadySamplesMs: samplesOf(cells, runId.charCodeAt(runId.length - 1)),
    thresholds: null,
    runNoise: null,
    trials: runTrials(8, 10),
    ...overrides,
  };
}

const diff = (base: Side, head: Side): DiffResult => diffSides(base, head, { policy: regressionPolicy({}), seed: 1, resamples: 400 });
const verdicts = (d: DiffResult) => new Set(d.comparisons.map((c) => c.verdict));

describe("diffSides between runs measured in trials", () => {
  it("a 10% slowdown over 8 trials with 2% trial noise is a regression on every metric", () => {
    const rng = createRng(7);
    const base = side(
      "run-a",
      CELLS.map((id) => cell(id, trials(rng, id, 8, 0.02))),
    );
    const head = side(
      "run-b",
      CELLS.map((id) => cell(id, trials(rng, id, 8, 0.02, 1.1))),
    );
    const d = diff(base, head);
    expect(d.comparisons).toHaveLength(CELLS.length * 5);
    expect(d.comparisons.every((c) => c.method === "trials")).toBe(true);
    expect(verdicts(d)).toEqual(new Set(["regression"]));
    // rows in cell order, then metric order
    expect(d.comparisons.slice(0, 5).map((c) => `${c.cell} ${c.metric}`)).toEqual(["p50", "p90", "p99", "mean", "throughput"].map((m) => `m/v/b1/cpu/t1 ${m}`));
    expect(d.trials).toEqual({ base: { count: 8, disturbed: 0 }, head: { count: 8, disturbed: 0 } });
    expect(d.inconclusive).toBe(0);
    expect(d.sensitivity.p50?.median).toBeGreaterThanOrEqual(0.05);
    expect(d.sensitivity.p50?.median).toBeLessThan(0.1);
    expect(d.notes).toEqual([]);
    expect(d.runNoise.source).toBe("none");
  });

  it("an A/A is unchanged or inconclusive, never a regression or an improvement", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rng = createRng(seed);
      const base = side(
        "run-a",
        CELLS.map((id) => cell(id, trials(rng, id, 8, 0.02))),
      );
      const head = side(
        "run-b",
        CELLS.map((id) => cell(id, trials(rng, id, 8, 0.02))),
      );
      const d = diff(base, head);
      for (const v of verdicts(d)) expect(["unchanged", "inconclusive"]).toContain(v);
      expect(d.inconclusive).toBe(d.comparisons.filter((c) => c.verdict === "inconclusive").length);
    }
  });
});

describe("diffSides inside one run (compare:, RUN:VARIANT)", () => {
  // Every trial (process) moves both variants alike by ±10%; the head is consistently 8% slower.
  const offsets = [1.1, 0.9, 1.1, 0.9, 1.1, 0.9, 1.1, 0.9];
  const abCells = (seed: number) => {
    const rng = createRng(seed);
    return CELLS.flatMap((id) => {
      const [t, , b, p, th] = id.split("/");
      return [
        cell(`${t}/fp32/${b}/${p}/${th}`, trials(rng, id, 8, 0.01, 1, offsets)),
        cell(`${t}/int8/${b}/${p}/${th}`, trials(rng, id, 8, 0.01, 1.08, offsets)),
      ];
    });
  };
  const narrow = (s: Side, variant: string): Side => ({
    ...s,
    label: `${s.runId}:${variant}`,
    cells: s.cells.filter((c) => c.variant === variant),
    selector: { kind: "variant", name: variant },
  });

  it("pairs trial k of both sides, so the shared offset cancels: a consistent +8% is a regression", () => {
    const run = side("run-ab", abCells(11));
    const d = diff(narrow(run, "fp32"), narrow(run, "int8"));
    expect(d.comparisons.every((c) => c.method === "trials-paired")).toBe(true);
    expect(d.comparisons.map((c) => c.cell)).toContain("m/fp32→int8/b1/cpu/t1");
    expect(verdicts(d)).toEqual(new Set(["regression"]));
  });

  it("the same numbers from two runs (unpaired) cannot tell +8% from the ±10% offsets", () => {
    const cells = abCells(11);
    const base = side(
      "run-a",
      cells.filter((c) => c.variant === "fp32"),
    );
    const head = side(
      "run-b",
      cells.filter((c) => c.variant === "int8").map((c) => ({ ...c, id: c.id.replace("int8", "fp32"), variant: "fp32" })),
    );
    const d = diff(base, head);
    expect(d.comparisons.every((c) => c.method === "trials")).toBe(true);
    expect(d.comparisons.filter((c) => c.metric === "p50").map((c) => c.verdict)).toEqual(["inconclusive", "inconclusive", "inconclusive", "inconclusive"]);
  });

  it("pairs only the trials present on both sides", () => {
    const cells = abCells(12).map((c) => (c.variant === "int8" ? { ...c, trials: (c.trials ?? []).filter((t) => t.trial !== 3) } : c));
    const run = side("run-ab", cells);
    const d = diff(narrow(run, "fp32"), narrow(run, "int8"));
    expect(d.comparisons).toHaveLength(CELLS.length * 5);
    expect(verdicts(d)).toEqual(new Set(["regression"]));
  });

  it("a disturbed trial flags the whole comparison", () => {
    const run = side("run-ab", abCells(11), { trials: runTrials(8, 10, [5]) });
    const d = diff(narrow(run, "fp32"), narrow(run, "int8"));
    expect(d.canary).toEqual({ base: 10, head: 10, change: 0, disturbed: true });
    expect(d.trials.head).toEqual({ count: 8, disturbed: 1 });
  });
});

describe("diffSides on cells without trials", () => {
  it("compares them from their samples; across runs without calibration it says run-to-run variation was not measured", () => {
    const cells = CELLS.map((id) => cell(id, null));
    const d = diff(side("run-a", cells, { trials: null }), side("run-b", cells, { trials: null, steadySamplesMs: samplesOf(cells, 99, 1.3) }));
    expect(d.comparisons.every((c) => c.method === "samples")).toBe(true);
    expect(d.comparisons.filter((c) => c.metric === "p50").every((c) => c.verdict === "regression")).toBe(true);
    expect(d.runNoise).toEqual({ source: "none", runs: 0, metrics: {} });
    expect(d.notes).toHaveLength(1);
    expect(d.notes[0]?.text).toMatch(/^run-to-run variation not measured/);
    expect(d.notes[0]?.cells).toEqual(CELLS);
    expect(d.trials).toEqual({ base: null, head: null });
    expect(d.canary).toEqual({ base: null, head: null, change: null, disturbed: false });
  });

  it("widens them by a baseline's calibrated run-to-run noise, and then has nothing to note", () => {
    const cells = CELLS.map((id) => cell(id, null));
    const runNoise = { runs: 5, metrics: { p50: 0.2 }, cells: {} };
    const plain = diff(side("run-a", cells, { trials: null }), side("run-b", cells, { trials: null }));
    const calibrated = diff(side("run-a", cells, { trials: null, runNoise }), side("run-b", cells, { trials: null }));
    expect(calibrated.runNoise).toEqual({ source: "calibrated", runs: 5, metrics: { p50: 0.2 } });
    expect(calibrated.notes).toEqual([]);
    const width = (d: DiffResult) => d.comparisons.filter((c) => c.metric === "p50").map((c) => c.ci[1] - c.ci[0]);
    width(calibrated).forEach((w, i) => expect(w).toBeGreaterThan(width(plain)[i] as number));
  });

  it("mixes both paths in one Holm family", () => {
    const rng = createRng(3);
    const withTrials = (id: string) => CELLS.indexOf(id) < 2;
    const base = side(
      "run-a",
      CELLS.map((id) => cell(id, withTrials(id) ? trials(rng, id, 6, 0.02) : null)),
    );
    const head = side(
      "run-b",
      CELLS.map((id) => cell(id, withTrials(id) ? trials(rng, id, 6, 0.02) : null)),
    );
    const d = diff(base, head);
    expect(d.comparisons.map((c) => c.method)).toEqual([...Array<string>(10).fill("trials"), ...Array<string>(10).fill("samples")]);
    const adjusted = holm(d.comparisons.map((c) => c.pValue));
    d.comparisons.forEach((c, i) => expect(c.pAdjusted).toBeCloseTo(adjusted[i] as number, 12));
    expect(d.notes.map((n) => n.cells)).toEqual([CELLS.slice(2)]);
  });

  it("a baseline stored before trials against a run in trials: samples, and a note saying why", () => {
    const rng = createRng(4);
    const base = side(
      "run-a",
      CELLS.map((id) => cell(id, null)),
      { trials: null },
    );
    const head = side(
      "run-b",
      CELLS.map((id) => cell(id, trials(rng, id, 5, 0.02))),
    );
    const d = diff(base, head);
    expect(d.comparisons.every((c) => c.method === "samples")).toBe(true);
    expect(d.notes.map((n) => n.text)).toEqual([expect.stringMatching(/trials on one side only/), expect.stringMatching(/^run-to-run variation not measured/)]);
    expect(d.trials).toEqual({ base: null, head: { count: 8, disturbed: 0 } });
  });
});

describe("the canary between runs", () => {
  const rng = createRng(9);
  const cells = CELLS.map((id) => cell(id, trials(rng, id, 8, 0.02)));
  it("flags the comparison when the two runs' median canaries differ by more than 10%", () => {
    const d = diff(side("run-a", cells), side("run-b", cells, { trials: runTrials(8, 11.5) }));
    expect(d.canary.disturbed).toBe(true);
    expect(d.canary.change).toBeCloseTo(0.15, 12);
  });

  it("lets 5% pass", () => {
    expect(diff(side("run-a", cells), side("run-b", cells, { trials: runTrials(8, 10.5) })).canary.disturbed).toBe(false);
  });
});

describe("--fail-on-inconclusive", () => {
  let stderr: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterEach(() => stderr.mockRestore());

  const outcome = (diff: DiffResult, opts: { failOnInconclusive?: boolean; gating?: boolean }) =>
    reportDiffs([{ diff, title: "s", gating: opts.gating ?? true }], { quietStdout: true, ...(opts.failOnInconclusive ? { failOnInconclusive: true } : {}) });

  it("fails a blind gate (exit 1, as a regression) and says why on stderr", () => {
    expect(outcome(BLIND_DIFF, {})).toEqual({ kind: "ok" });
    expect(outcome(BLIND_DIFF, { failOnInconclusive: true })).toEqual({ kind: "regression" });
    expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(
      /blind gate \(--fail-on-inconclusive\): 2 of 4 comparisons could not tell \(smallest detectable change: p50 4\.1%/,
    );
  });

  it("fails a disturbed comparison, and gates even without --fail-on-regression", () => {
    expect(outcome(DISTURBED_DIFF, { failOnInconclusive: true, gating: false })).toEqual({ kind: "regression" });
    expect(outcome(BLIND_DIFF, { gating: false })).toEqual({ kind: "ok" });
  });

  it("passes a clean comparison", () => {
    expect(outcome(CLEAN_DIFF, { failOnInconclusive: true })).toEqual({ kind: "ok" });
  });

  it("does not fail on regressions between two runs whose canary moved (the machine changed), unless asked to", () => {
    const regressed = { ...DISTURBED_DIFF, comparisons: DISTURBED_DIFF.comparisons.map((c) => ({ ...c, verdict: "regression" as const })) };
    expect(outcome(regressed, {})).toEqual({ kind: "ok" });
    expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/regressions found, but the machine changed between the runs \(canary \+15%\): not failing/);
    expect(outcome(regressed, { failOnInconclusive: true })).toEqual({ kind: "regression" });
    // The same regressions with a steady canary fail.
    expect(outcome({ ...regressed, canary: { ...regressed.canary, change: 0.02, disturbed: false } }, {})).toEqual({ kind: "regression" });
  });
});
