import { describe, expect, it } from "vitest";
import { diffDocument } from "../src/report/diff-json.js";
import { renderRunJson, runDocument, withSamples } from "../src/report/json.js";
import { SAMPLE_RUN, SAMPLES_NS } from "./fixtures/runs/sample-run.js";
import { SAMPLE_DIFF } from "./fixtures/runs/sample-diff.js";

const lookup = (cellId: string) => SAMPLES_NS[cellId];

describe("renderRunJson", () => {
  it("prints DESIGN.md's run document", async () => {
    await expect(renderRunJson(SAMPLE_RUN)).toMatchFileSnapshot("./fixtures/golden/run.json");
  });

  it("keeps the contract's run keys first", () => {
    expect(Object.keys(runDocument(SAMPLE_RUN))).toEqual(["run", "cells"]);
    expect(Object.keys(runDocument(SAMPLE_RUN).run).slice(0, 5)).toEqual(["id", "suite", "suiteFile", "status", "startedAt"]);
  });

  it("--samples: every cell gets its samples in ms, an empty list where none were stored", async () => {
    await expect(renderRunJson(SAMPLE_RUN, { samplesNs: lookup })).toMatchFileSnapshot("./fixtures/golden/run-samples.json");
  });

  it("adds the comparisons after the cells, and only when there are some", () => {
    const doc = runDocument(SAMPLE_RUN, { comparisons: [SAMPLE_DIFF] });
    expect(Object.keys(doc)).toEqual(["run", "cells", "comparisons"]);
    expect(doc.comparisons).toEqual([diffDocument(SAMPLE_DIFF)]);
    expect(Object.keys(runDocument(SAMPLE_RUN, { comparisons: [] }))).toEqual(["run", "cells"]);
  });
});

describe("withSamples", () => {
  it("converts ns to ms from a lookup, needing no store", () => {
    const [ok, noCi, failed] = withSamples(SAMPLE_RUN.cells, lookup);
    expect(ok?.samplesMs).toEqual([4.1, 4.05, 4.2, 4.125]);
    expect(noCi?.samplesMs).toEqual([0.0123, 0.0121, 0.0125]);
    expect(failed?.samplesMs).toEqual([]);
  });
});
