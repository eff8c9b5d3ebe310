import { writeFileSync } from "node:fs";
import path from "node:path";
import { dump } from "npyjs";
import { describe, expect, it } from "vitest";
import { encodeModel, node, valueInfo } from "../scripts/models/proto.js";
import { scoreLabels } from "../src/accuracy/labels.js";
import type { RunResult } from "../src/results.js";
import { wilsonInterval } from "../src/stats/binomial.js";
import { tQuantile } from "../src/stats/distributions.js";
import { bench, QUICK_MEASURE, tempDir } from "./helpers/cli.js";

const names = { output: "y", file: "labels.json" };

describe("scoreLabels", () => {
  // 4 samples of 6 class scores, in two calls of 2 rows: the top classes are 1, 0, 5 and 2.
  const outputs = [
    { data: [0, 9, 1, 2, 3, 4, 9, 0, 1, 2, 3, 4], dims: [2, 6] },
    { data: [0, 1, 2, 3, 4, 9, 0, 1, 9, 2, 3, 4], dims: [2, 6] },
  ];
  it("top-1 and top-5 against class ids, with Wilson intervals", () => {
    const labels = { values: Float64Array.from([1, 0, 5, 3]), shape: [4] }; // the last one is wrong at top-1
    const top1 = scoreLabels("top1", outputs, labels, names);
    expect(top1).toMatchObject({ value: 0.75, samples: 4, higherIsBetter: true });
    expect(top1.ci).toEqual(wilsonInterval(3, 4));
    // Class 3 in the last row has score 2: below 9, 4, 3 (three classes): within the top 5.
    expect(scoreLabels("top5", outputs, labels, names).value).toBe(1);
    // Only the first `labels` rows count: 2 labels score 2 rows.
    expect(scoreLabels("top1", outputs, { values: Float64Array.from([1, 0]), shape: [2] }, names).value).toBe(1);
  });

  it("MAE and RMSE against values, with t intervals over the samples", () => {
    const values = [{ data: [1, 2, 3, 4], dims: [4, 1] }];
    const truth = { values: Float64Array.from([1, 1, 1, 1]), shape: [4, 1] }; // errors 0, 1, 2, 3
    const mae = scoreLabels("mae", values, truth, names);
    expect(mae.value).toBeCloseTo(1.5, 12);
    const half = tQuantile(0.975, 3) * (Math.sqrt(5 / 3) / 2); // sd of 0,1,2,3 is √(5/3)
    expect(mae.ci?.[1]).toBeCloseTo(1.5 + half, 10);
    expect(mae.ci?.[0]).toBe(0); // clamped: an error is never negative
    const rmse = scoreLabels("rmse", values, truth, names);
    expect(rmse.value).toBeCloseTo(Math.sqrt(3.5), 12); // (0 + 1 + 4 + 9) / 4
    expect(rmse.higherIsBetter).toBe(false);
  });

  it("a class id outside the scores, or too few rows, is refused naming the file", () => {
    expect(() => scoreLabels("top1", outputs, { values: Float64Array.from([7]), shape: [1] }, names)).toThrow(/class 7 is not among the 6 scores/);
    expect(() => scoreLabels("top1", outputs, { values: new Float64Array(5), shape: [5] }, names)).toThrow(/4 rows of output for 5 labels/);
  });
});

describe("accuracy against labels in a run", () => {
  it("every variant is scored on the dataset, its inputs from the file, and it is in the JSON and the table", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, "id.onnx"),
      encodeModel({
        graphName: "scores",
        docString: "",
        nodes: [node("Identity", "i", ["x"], ["y"])],
        initializers: [],
        inputs: [valueInfo("x", "float32", ["batch", 4])],
        outputs: [valueInfo("y", "float32", ["batch", 4])],
        metadata: [],
      }),
    );
    // 6 samples whose top class is 0, 1, 2, 3, 0, 1; the labels get the last one wrong.
    const rows = [0, 1, 2, 3, 0, 1].map((c) => [0, 1, 2, 3].map((j) => (j === c ? 5 : j / 10)));
    writeFileSync(path.join(dir, "x.npy"), Buffer.from(dump(Float32Array.from(rows.flat()), [6, 4])));
    writeFileSync(path.join(dir, "labels.json"), JSON.stringify([0, 1, 2, 3, 0, 2]));
    writeFileSync(
      path.join(dir, "s.yaml"),
      `name: lab\ntargets:\n  c:\n    kind: onnx\n    variants: { a: id.onnx }\n    inputs: { x: { file: x.npy } }\n    labels: { file: labels.json, metric: top1 }\nmatrix: { batch: [4] }\n${QUICK_MEASURE}`,
    );
    const db = path.join(dir, "r.db");
    const r = await bench(["run", path.join(dir, "s.yaml"), "--db", db, "-q", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const cell = (JSON.parse(r.stdout) as RunResult).cells[0];
    expect(cell?.labelAccuracy).toMatchObject({ metric: "top1", samples: 6, output: "y" });
    expect(cell?.labelAccuracy && "value" in cell.labelAccuracy ? cell.labelAccuracy.value : NaN).toBeCloseTo(5 / 6, 12);
    const shown = await bench(["show", "latest", "--db", db]);
    expect(shown.stdout).toMatch(/c\/a\/b4\s+│ top1\s+│\s+83\.3% \(/);
  }, 60_000);
});
