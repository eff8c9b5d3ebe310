import { describe, expect, it } from "vitest";
import { accuracyBreaches, accuracyDrops } from "../src/accuracy/limits.js";
import type { CellAccuracy, OutputAccuracy } from "../src/accuracy/metrics.js";

const output = (o: Partial<OutputAccuracy>): OutputAccuracy => ({
  elements: 10,
  maxAbsError: 0,
  meanAbsError: 0,
  maxRelError: null,
  cosine: 1,
  top1Agreement: null,
  top5Agreement: null,
  ...o,
});
const against = (o: Partial<OutputAccuracy>): CellAccuracy => ({ reference: "fp32", inputs: 16, outputs: { logits: output(o) } });
const agreement = (value: number) => ({ value, ci: [value - 0.05, Math.min(1, value + 0.05)] as [number, number], rows: 100 });

describe("accuracy limits", () => {
  it("absolute limits name the cell, output, figure and limit", () => {
    const cells = [
      { id: "m/int8/b8", accuracy: against({ maxAbsError: 0.2, top1Agreement: agreement(0.97) }) },
      { id: "m/fp32/b8", accuracy: null },
    ];
    expect(accuracyBreaches(cells, { maxAbsError: 0.1, minTop1Agreement: 0.99 })).toEqual([
      "m/int8/b8 logits vs fp32: top-1 agreement 97.0% (92.0%–100.0%) is below the limit 99.0%",
      "m/int8/b8 logits vs fp32: max |error| 0.200 is above the limit 0.1",
    ]);
    expect(accuracyBreaches(cells, { maxAbsError: 0.5 })).toEqual([]);
  });

  it("maxDrop against a baseline: top-1 agreement, else cosine, else labels, each the right way round", () => {
    const base = [
      { id: "a", accuracy: against({ top1Agreement: agreement(0.99) }) },
      { id: "b", accuracy: against({ cosine: 0.999 }) },
      { id: "c", labelAccuracy: { metric: "mae" as const, output: "y", file: "l.json", samples: 10, value: 0.1, ci: null, higherIsBetter: false } },
    ];
    const head = [
      { id: "a", accuracy: against({ top1Agreement: agreement(0.95) }) }, // fell 0.04
      { id: "b", accuracy: against({ cosine: 0.9985 }) }, // fell 0.0005
      { id: "c", labelAccuracy: { metric: "mae" as const, output: "y", file: "l.json", samples: 10, value: 0.13, ci: null, higherIsBetter: false } }, // error rose 0.03
    ];
    expect(accuracyDrops(base, head, 0.02)).toEqual([
      "a: logits top-1 agreement with fp32 went from 0.9900 to 0.9500, worse by 0.0400: more than the allowed 0.02",
      "c: mae against l.json went from 0.1000 to 0.1300, worse by 0.0300: more than the allowed 0.02",
    ]);
    expect(accuracyDrops(base, head, 0.05)).toEqual([]);
    // An improvement is never a drop.
    expect(accuracyDrops(head, base, 0)).toEqual([]);
  });
});
