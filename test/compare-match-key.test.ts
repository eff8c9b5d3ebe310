import { describe, expect, it } from "vitest";
import { matchKey, type Side } from "../src/compare/side.js";
import type { CellResult } from "../src/results.js";

const cell = (id: string, fields: Partial<CellResult>) => ({ id, concurrency: null, rate: null, ...fields }) as CellResult;
const side = (kind: "variant" | "target") => ({ selector: { kind, name: "x" } }) as Side;

describe("matchKey: which cells pair in an A/B", () => {
  it("without a selector, the whole id; with one, the id with * for the axis it fixed", () => {
    const c = cell("mlp/int8/b8/cpu/t2", { variant: "int8", batch: 8 });
    expect(matchKey(c, { ...side("variant"), selector: undefined })).toBe("mlp/int8/b8/cpu/t2");
    expect(matchKey(c, side("variant"))).toBe("mlp/*/b8/cpu/t2");
    expect(matchKey(c, side("target"))).toBe("*/int8/b8/cpu/t2");
  });

  it("a served target against its local twin: variant, batch and load; one request in flight pairs with one call at a time", () => {
    const local = cell("local/m/b1/cpu/t1", { variant: "m", batch: 1 });
    const servedC1 = cell("served/m/b1/remote/c1", { variant: "m", batch: 1, concurrency: 1 });
    const servedC4 = cell("served/m/b1/remote/c4", { variant: "m", batch: 1, concurrency: 4 });
    const servedR = cell("served/m/b1/remote/r50", { variant: "m", batch: 1, rate: 50 });
    expect(matchKey(servedC1, side("target"), true)).toBe(matchKey(local, side("target"), true));
    expect(matchKey(servedC4, side("target"), true)).toBe("*/m/b1/c4");
    expect(matchKey(servedR, side("target"), true)).toBe("*/m/b1/r50");
  });
});
