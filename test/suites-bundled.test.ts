import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expandCells } from "../src/suite/expand.js";
import { loadSuite } from "../src/suite/load.js";
import { ROOT } from "./helpers/cli.js";

/** Every suite shipped in suites/ loads (models, inputs, traces and all) and plans at least one cell, with no environment set. */
describe("the bundled suites", () => {
  const files = readdirSync(path.join(ROOT, "suites")).filter((f) => f.endsWith(".yaml"));
  it("are there", () => {
    expect(files).toEqual(expect.arrayContaining(["quickstart.yaml", "llm.yaml", "llm-replay.yaml", "openai.yaml", "remote.yaml"]));
  });
  it.each(files)("%s loads and plans its cells", (file) => {
    const suite = loadSuite(path.join(ROOT, "suites", file), {});
    expect(expandCells(suite).length).toBeGreaterThan(0);
  });
});
