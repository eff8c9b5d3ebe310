import { describe, expect, it } from "vitest";
import {
  type Baseline,
  type BaselineCell,
  BASELINE_VERSION,
  cellResultOf,
  createBaseline,
  MAX_SAMPLES,
  parseBaseline,
  serializeBaseline,
  thin,
  toBaselineCell,
} from "../src/baseline/format.js";
import { RUN_INFO, SAMPLE_RUN, SAMPLES_NS } from "./fixtures/runs/sample-run.js";

const CREATED = new Date("2024-01-02T04:00:00.000Z");
const sample = () =>
  createBaseline(
    "main",
    RUN_INFO,
    { name: "quickstart" },
    SAMPLE_RUN.cells.map((c) => toBaselineCell(c, SAMPLES_NS[c.id])),
    CREATED,
  );

describe("thin", () => {
  it("keeps every sample up to MAX_SAMPLES, in ms to 6 significant digits", () => {
    const ns = Float64Array.from({ length: MAX_SAMPLES }, (_, i) => 1_000_000 + i * 1.234567);
    const { thinning, samplesMs } = thin(ns);
    expect(thinning).toBe(1);
    expect(samplesMs).toHaveLength(MAX_SAMPLES);
    expect(samplesMs[1]).toBe(1); // 1.000001234567 ms
    expect(samplesMs[4999]).toBe(1.00617);
  });

  it("above MAX_SAMPLES keeps every k-th sample from the first, in order", () => {
    const ns = Float64Array.from({ length: 2 * MAX_SAMPLES + 1 }, (_, i) => (i + 1) * 1000);
    const { thinning, samplesMs } = thin(ns);
    expect(thinning).toBe(3);
    expect(samplesMs).toHaveLength(Math.ceil((2 * MAX_SAMPLES + 1) / 3));
    expect(samplesMs.length).toBeLessThanOrEqual(MAX_SAMPLES);
    expect(samplesMs.slice(0, 3)).toEqual([0.001, 0.004, 0.007]);
  });
});

describe("baseline cells", () => {
  it("split a cell into its key, its summary and its samples, and back", () => {
    for (const cell of SAMPLE_RUN.cells) {
      const b = toBaselineCell(cell, SAMPLES_NS[cell.id]);
      expect(b.summary).not.toHaveProperty("id");
      expect(cellResultOf(b)).toEqual(cell);
    }
  });

  it("without stored samples have none, thinning 1", () => {
    expect(toBaselineCell(SAMPLE_RUN.cells[2] as (typeof SAMPLE_RUN.cells)[number], undefined)).toMatchObject({ samplesThinning: 1, samplesMs: [] });
  });
});

describe("serializeBaseline / parseBaseline", () => {
  it("writes a fixed key order with each cell's samples on one line", async () => {
    const text = serializeBaseline(sample());
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      "format",
      "version",
      "name",
      "suite",
      "createdAt",
      "run",
      "thresholds",
      "runNoise",
      "fingerprint",
      "resolvedSuite",
      "cells",
    ]);
    expect(text).toContain(`"samplesMs": [4.1,4.05,4.2,4.125]`);
    await expect(text).toMatchFileSnapshot("./fixtures/golden/baseline-file.json");
  });

  it("round-trips: parse gives the baseline back", () => {
    const b = { ...sample(), thresholds: { p99: 0.2 }, runNoise: { runs: 5, metrics: { p50: 0.03 }, cells: { "cls/fp32/b8/cpu/t2": { p50: 0.04 } } } };
    expect(parseBaseline(serializeBaseline(b), "b.json")).toEqual(b);
  });

  // Known bug in src/baseline/format.ts (not fixed here): zod's looseObject returns the keys it
  // checks first, so run.startedAt and fingerprint.dependencies move, and `bench calibrate
  // --baseline` rewriting an existing file shows them as changed lines. Flip to `it` once fixed.
  it("round-trips: serializing a parsed baseline again gives the same text", () => {
    const text = serializeBaseline(sample());
    expect(serializeBaseline(parseBaseline(text, "b.json"))).toBe(text);
  });

  it("records the run without its fingerprint, which has its own key", () => {
    const b = sample();
    expect(b.run).not.toHaveProperty("fingerprint");
    expect(b).toMatchObject({
      format: "bench-baseline",
      version: BASELINE_VERSION,
      suite: "quickstart",
      createdAt: "2024-01-02T04:00:00.000Z",
      thresholds: null,
      runNoise: null,
    });
  });

  it("names the file and what is wrong", () => {
    const good = JSON.parse(serializeBaseline(sample())) as Record<string, unknown>;
    const cases: [string, RegExp][] = [
      ["{not json", /^x\.json: not valid JSON \(.*\); the baseline file is corrupted$/],
      [JSON.stringify({ ...good, format: "other" }), /^x\.json: not a bench baseline \(expected "format": "bench-baseline"\)$/],
      [JSON.stringify({ ...good, version: BASELINE_VERSION + 1 }), /^x\.json: baseline format version 2 is newer than this bench reads \(1\); upgrade bench$/],
      [
        JSON.stringify({ ...good, thresholds: { p50: -1 } }),
        /^x\.json: thresholds\.p50: .*; the baseline file is corrupted: fix that key, or save the baseline again with 'bench baseline save RUN -n NAME'$/,
      ],
      [
        serializeBaseline(sample()).replace("[4.1,4.05,4.2,4.125]", "[4.1,-1]"),
        /^x\.json: cells\.0\.samplesMs\.1: .*; the baseline file is corrupted: fix that key/,
      ],
    ];
    for (const [text, message] of cases) expect(() => parseBaseline(text, "x.json")).toThrow(message);
  });

  it("a hand-edited cell summary with keys missing or of the wrong type is named, not read", () => {
    const good = JSON.parse(serializeBaseline(sample())) as { cells: { summary: Record<string, unknown> }[] };
    const edit = (f: (summary: Record<string, unknown>) => void) => {
      const b = structuredClone(good);
      f(b.cells[0]?.summary as Record<string, unknown>);
      return JSON.stringify(b);
    };
    const cases: [string, RegExp][] = [
      [
        JSON.stringify({ ...good, cells: good.cells.map((c, i) => (i === 0 ? { ...c, summary: {} } : c)) }),
        /^x\.json: cells\.0\.summary\.error: missing \(expected string\)/,
      ],
      [edit((s) => delete s.latencyMs), /^x\.json: cells\.0\.summary\.latencyMs: missing/],
      [edit((s) => (s.latencyMs = {})), /^x\.json: cells\.0\.summary\.latencyMs\.p50: missing/],
      [edit((s) => (s.samples = "812")), /^x\.json: cells\.0\.summary\.samples: .*expected number/],
      [edit((s) => (s.notes = null)), /^x\.json: cells\.0\.summary\.notes: /],
    ];
    for (const [text, message] of cases) expect(() => parseBaseline(text, "x.json")).toThrow(message);
  });

  it("a baseline saved before later cell keys existed reads them as absent", () => {
    const b = JSON.parse(serializeBaseline(sample())) as Baseline;
    const cell = b.cells[0] as BaselineCell;
    const { trials: _t, load: _l, samplesDropped: _d, ...older } = cell.summary;
    const read = cellResultOf({ ...cell, summary: older as BaselineCell["summary"] });
    expect(read).toMatchObject({ trials: null, load: null, samplesDropped: 0 });
  });
});
