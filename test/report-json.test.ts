import { describe, expect, it } from "vitest";
import { renderRunJson, runDocument } from "../src/report/json.js";
import { SAMPLE_RUN } from "./fixtures/runs/sample-run.js";

describe("renderRunJson", () => {
  it("prints DESIGN.md's run document", async () => {
    await expect(renderRunJson(SAMPLE_RUN)).toMatchFileSnapshot("./fixtures/golden/run.json");
  });

  it("keeps the contract's run keys first", () => {
    expect(Object.keys(runDocument(SAMPLE_RUN))).toEqual(["run", "cells"]);
    expect(Object.keys(runDocument(SAMPLE_RUN).run).slice(0, 5)).toEqual(["id", "suite", "suiteFile", "status", "startedAt"]);
  });
});
