import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Clock } from "../src/util/clock.js";
import { executeSuite } from "../src/measure/execute.js";
import type { Order } from "../src/results.js";
import { runLocalLoad } from "../src/runners/local-load.js";
import type { Runner } from "../src/runners/runner.js";
import { Store } from "../src/store/db.js";
import { expandCells, type PlannedCell } from "../src/suite/expand.js";
import { resolveSuite } from "../src/suite/resolve.js";
import { createRng } from "../src/util/rng.js";
import { tempDir } from "./helpers/cli.js";

/**
 * A deterministic machine: a fake clock that only the fake model calls advance. `latencyNs`
 * decides each call's duration from the cell and the machine's current time, so tests can model
 * drift, failures and noise exactly.
 */
function fakeMachine(latencyNs: (cell: PlannedCell, nowNs: number) => number) {
  let t = 0n;
  const calls: string[] = [];
  const clock: Clock = () => t;
  const runner: Runner = {
    unavailable: (cell) => (cell.provider === "cuda" ? "no cuda here" : undefined),
    prepare: async (cell) => {
      if (cell.variant === "broken") throw new Error("cannot load\nsecond line");
      return {
        sessionCreateMs: 1,
        itemsPerCall: cell.batch,
        call: async () => {
          calls.push(cell.id);
          const ns = latencyNs(cell, Number(t));
          if (!Number.isFinite(ns)) throw new Error("model exploded");
          t += BigInt(Math.round(ns));
        },
        runLoad: (signal) =>
          runLocalLoad(
            async () => {
              calls.push(cell.id);
            },
            cell,
            5,
            signal,
          ),
        release: async () => undefined,
      };
    },
  };
  return { clock, runner, calls };
}

function setup(variants: string[], extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const model = path.join(dir, "m.onnx");
  writeFileSync(model, "fake");
  const suite = resolveSuite(
    {
      name: "fake",
      seed: 5,
      targets: { m: { kind: "onnx", variants: Object.fromEntries(variants.map((v) => [v, "m.onnx"])) } },
      measure: { warmupIterations: 3, minIterations: 50, maxIterations: 4000, minTimeMs: 0, maxTimeMs: 400, targetRelativeCI: 0.001 },
      ...extra,
    },
    path.join(dir, "s.yaml"),
  );
  const store = Store.open(path.join(dir, "r.db"));
  return { suite, store, cells: expandCells(suite) };
}

async function run(order: Order, variants: string[], latencyNs: (cell: PlannedCell, nowNs: number) => number, extra = {}) {
  const { suite, store, cells } = setup(variants, extra);
  const machine = fakeMachine(latencyNs);
  const result = await executeSuite(suite, { store, runner: machine.runner, cells, order, clock: machine.clock });
  return { result, store, calls: machine.calls };
}

const p50 = (r: Awaited<ReturnType<typeof run>>, variant: string) => r.result.cells.find((c) => c.variant === variant)?.latencyMs?.p50.value ?? Number.NaN;

describe("executeSuite", () => {
  it("interleaves cells in rounds, sequential runs each cell to the end", async () => {
    // Noisy enough that no cell converges early: each runs to its 400 ms limit.
    const rng = createRng(3);
    const flat = () => 1e6 * Math.exp(0.5 * rng.normal());
    const inter = await run("interleaved", ["a", "b", "c"], flat);
    const seq = await run("sequential", ["a", "b", "c"], flat);
    const switches = (calls: string[]) => calls.filter((c, i) => i > 0 && c !== calls[i - 1]).length;
    expect(switches(seq.calls)).toBe(2);
    expect(switches(inter.calls)).toBeGreaterThan(20);
    expect(inter.result.run.order).toBe("interleaved");
    expect(inter.result.cells.map((c) => c.variant)).toEqual(["a", "b", "c"]);
  });

  it("makes slow drift of the machine hit every cell alike", async () => {
    // Identical models on a machine that slows down by 50% over the run.
    const drift = (_: PlannedCell, nowNs: number) => 1e6 * (1 + nowNs / 2.4e9);
    const seq = await run("sequential", ["a", "b"], drift);
    const inter = await run("interleaved", ["a", "b"], drift);
    const seqBias = p50(seq, "b") / p50(seq, "a") - 1;
    const interBias = p50(inter, "b") / p50(inter, "a") - 1;
    expect(seqBias).toBeGreaterThan(0.1);
    expect(Math.abs(interBias)).toBeLessThan(0.03);
  });

  it("uses the seed for the round order: same seed, same schedule", async () => {
    const a = await run("interleaved", ["a", "b", "c"], () => 1e6);
    const b = await run("interleaved", ["a", "b", "c"], () => 1e6);
    const c = await run("interleaved", ["a", "b", "c"], () => 1e6, { seed: 6 });
    expect(b.calls).toEqual(a.calls);
    expect(c.calls).not.toEqual(a.calls);
  });

  for (const order of ["interleaved", "sequential"] as const) {
    it(`${order}: a failing cell is recorded and the others are still measured and stored`, async () => {
      const r = await run(order, ["a", "broken", "bad", "d"], (cell, now) => (cell.variant === "bad" && now > 5e7 ? Number.NaN : 1e6));
      expect(r.result.cells.map((c) => [c.variant, c.status])).toEqual([
        ["a", "ok"],
        ["broken", "failed"],
        ["bad", "failed"],
        ["d", "ok"],
      ]);
      expect(r.result.cells[1]?.error).toBe("could not prepare the cell: cannot load");
      expect(r.result.cells[2]?.error).toBe("inference failed: model exploded");
      expect(r.result.run.status).toBe("failed");
      const stored = r.store.loadRun(r.result.run.id);
      expect(stored.cells.map((c) => c.status)).toEqual(["ok", "failed", "failed", "ok"]);
      expect(stored.run.noise?.samples.length).toBeGreaterThan(1);
    });
  }

  it("skips cells whose provider is unavailable", async () => {
    const r = await run("interleaved", ["a"], () => 1e6, { matrix: { providers: ["cpu", "cuda"] } });
    expect(r.result.cells.map((c) => [c.provider, c.status, c.error])).toEqual([
      ["cpu", "ok", null],
      ["cuda", "skipped", "no cuda here"],
    ]);
    expect(r.result.run.status).toBe("completed");
  });

  it("reports the cold start apart from the steady state", async () => {
    const r = await run("sequential", ["a"], (_, now) => (now === 0 ? 50e6 : 1e6));
    const cell = r.result.cells[0];
    expect(cell?.coldStart?.firstCallMs).toBe(50);
    expect(cell?.latencyMs?.max).toBe(1);
    expect(cell?.warmupIterations).toBe(3);
  });
});
