import { describe, expect, it } from "vitest";
import { renderCalibration } from "../src/report/calibration-table.js";
import { SAMPLE_CALIBRATION } from "./fixtures/runs/sample-calibration.js";

describe("renderCalibration", () => {
  it("shows false alarms and noise · MDE per cell, then the rates", async () => {
    await expect(renderCalibration(SAMPLE_CALIBRATION)).toMatchFileSnapshot("./fixtures/golden/calibration.txt");
  });
});
