import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { baselinePath, findBaseline, listBaselines, readBaselineFile, writeBaseline } from "../src/baseline/files.js";
import { type Baseline, createBaseline, serializeBaseline, toBaselineCell } from "../src/baseline/format.js";
import { UserError } from "../src/errors.js";
import { RUN_INFO, SAMPLE_RUN, SAMPLES_NS } from "./fixtures/runs/sample-run.js";

function baseline(name: string, suite = "quickstart"): Baseline {
  const cells = SAMPLE_RUN.cells.map((c) => toBaselineCell(c, SAMPLES_NS[c.id]));
  return createBaseline(name, { ...RUN_INFO, suite }, { name: suite }, cells, new Date("2024-01-02T04:00:00.000Z"));
}

describe("baseline files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "bench-baselines-"));
  });

  it("live in DIR/SUITE/NAME.json, names restricted to safe characters", () => {
    expect(baselinePath("baselines", "quickstart", "main-2.0_x")).toBe(path.join("baselines", "quickstart", "main-2.0_x.json"));
    for (const bad of ["../up", "a/b", ".hidden", "", "sp ace"]) expect(() => baselinePath("baselines", "quickstart", bad)).toThrow(UserError);
  });

  it("round-trip through the disk as the serialized text", () => {
    const b = baseline("main");
    const file = writeBaseline(dir, b);
    expect(file).toBe(path.join(dir, "quickstart", "main.json"));
    expect(readFileSync(file, "utf8")).toBe(serializeBaseline(b));
    expect(readBaselineFile(file)).toEqual(b);
  });

  it("a missing or corrupted file is a user error that names the file", () => {
    const missing = path.join(dir, "quickstart", "none.json");
    expect(() => readBaselineFile(missing)).toThrow(new UserError(`${missing}: no such baseline file`));
    const bad = path.join(dir, "quickstart", "bad.json");
    mkdirSync(path.dirname(bad), { recursive: true });
    writeFileSync(bad, "{ truncated");
    expect(() => readBaselineFile(bad)).toThrow(UserError);
    expect(() => readBaselineFile(bad)).toThrow(`${bad}: not valid JSON`);
  });

  it("are listed by suite and name, sorted; a missing directory lists none", () => {
    writeBaseline(dir, baseline("b"));
    writeBaseline(dir, baseline("a"));
    writeBaseline(dir, baseline("main", "remote"));
    writeFileSync(path.join(dir, "quickstart", "notes.txt"), "not a baseline");
    expect(
      listBaselines(dir)
        .map((e) => `${e.suite}/${e.name}`)
        .sort(),
    ).toEqual(["quickstart/a", "quickstart/b", "remote/main"]);
    expect(listBaselines(dir, "quickstart").map((e) => e.name)).toEqual(["a", "b"]);
    expect(listBaselines(dir, "nosuch")).toEqual([]);
    expect(listBaselines(path.join(dir, "nowhere"))).toEqual([]);
  });

  it("are found by NAME when unique, by SUITE/NAME, or by the preferred suite", () => {
    writeBaseline(dir, baseline("main"));
    writeBaseline(dir, baseline("main", "remote"));
    writeBaseline(dir, baseline("nightly", "remote"));
    expect(findBaseline(dir, "nightly").suite).toBe("remote");
    expect(findBaseline(dir, "remote/main").suite).toBe("remote");
    expect(findBaseline(dir, "main", "quickstart").suite).toBe("quickstart");
    expect(() => findBaseline(dir, "main")).toThrow(/^baseline:main: ambiguous; suites quickstart, remote each have one; write baseline:SUITE\/main$/);
    expect(() => findBaseline(dir, "gone")).toThrow(new UserError(`baseline:gone: no baseline named 'gone' in ${dir}/ (see 'bench baseline list')`));
    expect(() => findBaseline(dir, "remote/gone")).toThrow(UserError);
  });
});
