import type { PlannedCell } from "../suite/expand.js";
import { fakeRunner, parseFakeSpec } from "./fake.js";
import { httpRunner } from "./http/runner.js";
import { onnxRunner } from "./onnx.js";
import type { Runner } from "./runner.js";

/** The runner of each cell, by its target's kind. */
export const defaultRunner: Runner = {
  unavailable: (cell: PlannedCell) => (cell.kind === "http" ? httpRunner : onnxRunner).unavailable(cell),
  prepare: (cell: PlannedCell, seed: number) => (cell.kind === "http" ? httpRunner : onnxRunner).prepare(cell, seed),
};

/** The real runners, or the deterministic fake one that `--debug-runner` asks for (tests only), for one trial. */
export function selectRunner(debugRunner: string | undefined, trial = 1): Runner {
  return debugRunner === undefined ? defaultRunner : fakeRunner(parseFakeSpec(debugRunner), trial);
}
