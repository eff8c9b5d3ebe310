import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { executeSuite } from "../src/measure/execute.js";
import { measureTrial } from "../src/measure/trial.js";
import type { Order } from "../src/results.js";
import { runLocalLoad } from "../src/runners/local-load.js";
import type { Runner } from "../src/runners/runner.js";
import { Store } from "../src/store/db.js";
import { expandCells, type PlannedCell } from "../src/suite/expand.js";
import { resolveSuite } from "../src/suite/resolve.js";
import type { Clock } from "../src/util/clock.js";
import { createRng, deriveSeed } from "../src/util/rng.js";
import { tempDir } from "./helpers/cli.js";

/**
 * A deterministic machine: a fake clock that only the fake model calls advance. `latencyNs`
 * decides each call's duration from the cell, the trial and the machine's current time, so tests
 * can model drift, process-to-process offsets, failures and noise exactly. Each trial gets its
 * own runner, as each real trial is a fresh process.
 */
function fakeMachine(latencyNs: (cell: PlannedCell, nowNs: number, trial: number) => number) {
  let t = 0n;
  const calls: { trial: number; cell: string }[] = [];
  const clock: Clock = () => t;
  const runner = (trial: number): Runner => ({
    clock,
    unavailable: (cell) => (cell.provider === "cuda" ? "no cuda here" : undefined),
    prepare: async (cell) => {
      if (cell.variant === "broken") throw new Error("cannot load\nsecond line");
      return {
        sessionCreateMs: 1,
        itemsPerCall: cell.batch,
        call: async () => {
          calls.push({ trial, cell: cell.id });
          const ns = latencyNs(cell, Number(t), trial);
          if (!Number.isFinite(ns)) throw new Error("model exploded");
          t += BigInt(Math.round(ns));
        },
        runLoad: (signal) => runLocalLoad(async () => undefined, cell, 5, signal),
        release: async () => undefined,
      };
    },
  });
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
      measure: { warmupIterations: 3, minIterations: 50, maxIterations: 4000, minTimeMs: 0, maxTimeMs: 2000, targetRelativeCI: 0.001 },
      trials: { min: 3, max: 3 },
      ...extra,
    },
    path.join(dir, "s.yaml"),
  );
  const store = Store.open(path.join(dir, "r.db"));
  return { suite, store, cells: expandCells(suite) };
}

async function run(
  order: Order,
  variants: string[],
  latencyNs: (cell: PlannedCell, nowNs: number, trial: number) => number,
  extra: Record<string, unknown> = {},
  stopAfter?: number,
) {
  const { suite, store, cells } = setup(variants, extra);
  const machine = fakeMachine(latencyNs);
  const abort = new AbortController();
  const launched: number[] = [];
  const result = await executeSuite(suite, {
    store,
    cells,
    order,
    signal: abort.signal,
    launch: async (runId, trial) => {
      launched.push(trial);
      await measureTrial(cells, {
        runId,
        trial,
        seed: suite.seed,
        order,
        plan: suite.trials,
        sink: store,
        runner: machine.runner(trial),
        signal: abort.signal,
      });
      if (trial === stopAfter) abort.abort("SIGINT");
    },
  });
  return { result, store, calls: machine.calls, launched };
}

const p50 = (r: Awaited<ReturnType<typeof run>>, variant: string) => r.result.cells.find((c) => c.variant === variant)?.latencyMs?.p50.value ?? Number.NaN;

describe("executeSuite: trials", () => {
  it("measures every cell in each trial in one contiguous block, in a new seeded order per trial", async () => {
    const rng = createRng(3);
    const noisy = () => 1e6 * Math.exp(0.3 * rng.normal());
    const r = await run("interleaved", ["a", "b", "c", "d"], noisy);
    expect(r.launched).toEqual([1, 2, 3]);
    const orders = [1, 2, 3].map((trial) => [...new Set(r.calls.filter((c) => c.trial === trial).map((c) => c.cell))]);
    for (const [k, order] of orders.entries()) {
      const calls = r.calls.filter((c) => c.trial === k + 1).map((c) => c.cell);
      expect(calls.filter((c, i) => i > 0 && c !== calls[i - 1]).length, "one block per cell").toBe(3);
      expect([...order].sort()).toEqual(["m/a/b1/cpu/t1", "m/b/b1/cpu/t1", "m/c/b1/cpu/t1", "m/d/b1/cpu/t1"]);
    }
    expect(new Set(orders.map((o) => o.join())).size, "the order changes between trials").toBeGreaterThan(1);
    const blocks = (calls: typeof r.calls, trial: number) => [...new Set(calls.filter((c) => c.trial === trial).map((c) => c.cell))];
    const again = await run("interleaved", ["a", "b", "c", "d"], () => 1e6);
    expect(blocks(again.calls, 1), "same seed, same order").toEqual(blocks(r.calls, 1));
    expect(r.result.run.trials?.trials.map((t) => t.status)).toEqual(["completed", "completed", "completed"]);
    expect(r.result.cells.every((c) => c.trials?.length === 3)).toBe(true);
  });

  it("puts what differs between trials inside the interval", async () => {
    // Each trial (process) is 10% faster or slower than the last; within a trial, a tight 1% noise.
    const rng = createRng(4);
    const offsets = [1, 1.1, 0.9, 1.05, 0.95];
    const r = await run("interleaved", ["a", "b", "c"], (_c, _t, trial) => 1e6 * (offsets[trial - 1] ?? 1) * Math.exp(0.01 * rng.normal()), {
      trials: { min: 5, max: 5 },
    });
    for (const cell of r.result.cells) {
      const ci = cell.latencyMs?.p50.ci;
      expect(ci).not.toBeNull();
      const [lo, hi] = ci ?? [0, 0];
      expect(hi / lo - 1, `${cell.id}: the interval spans the trials' spread`).toBeGreaterThan(0.05);
      expect(lo).toBeLessThan(1);
      expect(hi).toBeGreaterThan(1);
      expect(cell.trials?.map((t) => Math.round(t.p50 * 100) / 100)).toEqual([1, 1.1, 0.9, 1.05, 0.95]);
    }
  });

  it("adds trials while the headline is imprecise, up to max, and stops at min when precise", async () => {
    // Seeded: two trials whose p50s come out identical give no interval (stats/moderated.ts), and
    // rightly ask for a third; with 1 µs of spread on a 1 ns clock that is rare, and this seed has none.
    const tight = createRng(1);
    const precise = await run("interleaved", ["a", "b"], () => 1e6 * (1 + tight.next() * 1e-3), { trials: { min: 2, max: 6, targetRelativeCI: 0.02 } });
    expect(precise.launched).toEqual([1, 2]);
    expect(precise.result.run.trials?.stopReason).toBe("precise");
    const rng = createRng(9);
    const offsets = Array.from({ length: 6 }, () => Math.exp(0.3 * rng.normal()));
    const vague = await run("interleaved", ["a", "b"], (_c, _t, trial) => 1e6 * (offsets[trial - 1] ?? 1), {
      trials: { min: 2, max: 6, targetRelativeCI: 0.02 },
    });
    expect(vague.launched).toEqual([1, 2, 3, 4, 5, 6]);
    expect(vague.result.run.trials?.stopReason).toBe("max-trials");
    expect(vague.result.cells[0]?.converged).toBe(false);
  });

  it("makes slow drift of the machine hit every cell alike", async () => {
    // Identical models on a machine that slows down steadily over the run.
    const drift = (_: PlannedCell, nowNs: number) => 1e6 * (1 + nowNs / 2e9);
    const seq = await run("sequential", ["a", "b"], drift, { trials: { min: 8, max: 8 } });
    const inter = await run("interleaved", ["a", "b"], drift, { trials: { min: 8, max: 8 } });
    const seqBias = p50(seq, "b") / p50(seq, "a") - 1;
    const interBias = p50(inter, "b") / p50(inter, "a") - 1;
    expect(seqBias).toBeGreaterThan(0.05);
    expect(Math.abs(interBias)).toBeLessThan(seqBias / 2);
  });

  it("keeps what an interrupted run measured: the trials so far, and the run marked interrupted", async () => {
    const r = await run("interleaved", ["a", "b"], () => 1e6, { trials: { min: 4, max: 4 } }, 2);
    expect(r.launched).toEqual([1, 2]);
    expect(r.result.run.status).toBe("interrupted");
    expect(r.result.run.trials?.stopReason).toBe("interrupted");
    expect(r.result.cells.map((c) => [c.status, c.trials?.length])).toEqual([
      ["ok", 2],
      ["ok", 2],
    ]);
    expect(r.store.loadRun(r.result.run.id).cells).toHaveLength(2);
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
      expect(r.result.cells[2]?.error).toMatch(/^(trial \d: )?inference failed: model exploded$/);
      expect(r.result.run.status).toBe("failed");
      const stored = r.store.loadRun(r.result.run.id);
      expect(stored.cells.map((c) => c.status)).toEqual(["ok", "failed", "failed", "ok"]);
    });
  }

  it("skips cells whose provider is unavailable", async () => {
    const r = await run("interleaved", ["a"], () => 1e6 * (1 + 0.01 * Math.random()), { matrix: { providers: ["cpu", "cuda"] } });
    expect(r.result.cells.map((c) => [c.provider, c.status, c.error])).toEqual([
      ["cpu", "ok", null],
      ["cuda", "skipped", "no cuda here"],
    ]);
    expect(r.result.run.status).toBe("completed");
  });

  it("reports the cold start apart from the steady state", async () => {
    const seen = new Set<number>();
    const rng = createRng(deriveSeed(1, "cold"));
    const r = await run("sequential", ["a"], (_c, _t, trial) => {
      if (seen.has(trial)) return 1e6 * (1 + 0.01 * rng.next());
      seen.add(trial);
      return 50e6;
    });
    const cell = r.result.cells[0];
    expect(cell?.coldStart?.firstCallMs).toBe(50);
    expect(cell?.latencyMs?.max).toBeLessThan(1.02);
    // The plan's 3 at least, then until the (steady) latency settles: at the first check.
    expect(cell?.warmupIterations).toBeGreaterThanOrEqual(3);
    expect(cell?.warmupIterations).toBeLessThanOrEqual(40);
  });
});
