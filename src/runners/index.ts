import type { PlannedCell } from "../suite/expand.js";
import { fakeRunner, parseFakeSpec } from "./fake.js";
import type { Runner } from "./runner.js";

/**
 * The runner of each cell, by its target's kind. Each real runner is imported only when a cell
 * needs it: onnxruntime for ONNX targets, the HTTP clients (undici, autocannon) for remote ones,
 * so that a run of an ONNX-only suite does not pay for loading HTTP clients, nor the reverse.
 */
async function realRunner(cells: readonly PlannedCell[]): Promise<Runner> {
  const [http, onnx] = await Promise.all([
    cells.some((c) => c.kind === "http") ? import("./http/runner.js").then((m) => m.httpRunner) : undefined,
    cells.some((c) => c.kind !== "http") ? import("./onnx.js").then((m) => m.onnxRunner) : undefined,
  ]);
  const of = (cell: PlannedCell): Runner => {
    const runner = cell.kind === "http" ? http : onnx;
    if (!runner) throw new Error(`no runner was loaded for cell ${cell.id} (kind ${cell.kind})`);
    return runner;
  };
  return {
    unavailable: (cell: PlannedCell) => of(cell).unavailable(cell),
    prepare: (cell: PlannedCell, seed: number) => of(cell).prepare(cell, seed),
  };
}

/** Checks a `--debug-runner` spec (bad input before anything runs); loads nothing. */
export function checkDebugRunner(debugRunner: string | undefined): void {
  if (debugRunner !== undefined) parseFakeSpec(debugRunner);
}

/** The real runners of `cells`, or the deterministic fake one that `--debug-runner` asks for (tests only), for one trial. */
export async function selectRunner(debugRunner: string | undefined, cells: readonly PlannedCell[], trial = 1): Promise<Runner> {
  return debugRunner === undefined ? realRunner(cells) : fakeRunner(parseFakeSpec(debugRunner), trial);
}
