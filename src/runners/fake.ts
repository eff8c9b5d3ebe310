import { UserError } from "../errors.js";
import type { LoadResult } from "../load/types.js";
import { emptyErrors } from "../load/types.js";
import { filterCells, isRemote, type PlannedCell } from "../suite/expand.js";
import type { Clock } from "../util/clock.js";
import { createRng, deriveSeed } from "../util/rng.js";
import { type PreparedCell, ProviderUnavailableError, type Runner } from "./runner.js";
import { msToNs, nsToS } from "../stats/metrics.js";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A deterministic runner for tests, as hyperfine's `--debug-mode`: no model is loaded, and each
 * call "takes" a seeded lognormal latency on a virtual clock that only the calls advance, so exit
 * codes and verdicts do not depend on the speed of the machine the tests run on. Chosen with the
 * hidden `bench run --debug-runner SPEC`, SPEC being `fake` or `fake:KEY=VALUE,...`:
 *
 *   ms=0.5         median latency of one call, ms
 *   sd=0.02        standard deviation of a call's log latency
 *   offset=0.02    standard deviation of a trial's log offset (what differs between fresh processes)
 *   slow=GLOB@F    cells whose id matches GLOB take F times as long (GLOB as in --filter)
 *   fail=GLOB      cells matching GLOB fail to prepare (a failed cell)
 *   skip=GLOB      cells matching GLOB are unavailable here (a skipped cell)
 *   bug            an internal error (a TypeError) escapes the runner: bench's own bug path
 *   wait=MS        each call also takes MS of real time (a timer), so that a test can send a signal mid-cell
 *   prepare=MS     preparing a cell (its session creation) takes MS of real time
 */
export interface FakeSpec {
  medianMs: number;
  sd: number;
  offset: number;
  slow: { glob: string; factor: number }[];
  fail: string[];
  skip: string[];
  bug: boolean;
  waitMs: number;
  prepareMs: number;
}

export function parseFakeSpec(text: string): FakeSpec {
  const spec: FakeSpec = { medianMs: 0.5, sd: 0.02, offset: 0.02, slow: [], fail: [], skip: [], bug: false, waitMs: 0, prepareMs: 0 };
  const [kind, rest] = text.split(/:(.*)/s, 2) as [string, string | undefined];
  const bad = (why: string) =>
    new UserError(`--debug-runner ${text}: ${why} (expected fake[:ms=0.5,sd=0.02,offset=0.02,slow=GLOB@F,fail=GLOB,skip=GLOB,bug,wait=MS,prepare=MS])`);
  if (kind !== "fake") throw bad(`unknown runner '${kind}'`);
  for (const item of (rest ?? "").split(",").filter((x) => x !== "")) {
    const [key, value = ""] = item.split(/=(.*)/s, 2) as [string, string | undefined];
    const number = (v: string) => {
      const n = Number(v);
      if (!(Number.isFinite(n) && n > 0)) throw bad(`${key} needs a positive number, got '${v}'`);
      return n;
    };
    if (key === "ms") spec.medianMs = number(value);
    else if (key === "sd") spec.sd = number(value);
    else if (key === "offset") spec.offset = value === "0" ? 0 : number(value);
    else if (key === "slow") {
      const at = value.lastIndexOf("@");
      if (at <= 0) throw bad(`slow needs GLOB@FACTOR, got '${value}'`);
      spec.slow.push({ glob: value.slice(0, at), factor: number(value.slice(at + 1)) });
    } else if (key === "fail") spec.fail.push(value);
    else if (key === "skip") spec.skip.push(value);
    else if (key === "bug") spec.bug = true;
    else if (key === "wait") spec.waitMs = number(value);
    else if (key === "prepare") spec.prepareMs = number(value);
    else throw bad(`unknown key '${key}'`);
  }
  return spec;
}

const matches = (cell: PlannedCell, globs: readonly string[]) => globs.length > 0 && filterCells([cell], globs).length > 0;

/** The fake runner of one trial: a new process, so a new seeded offset for every cell. */
export function fakeRunner(spec: FakeSpec, trial = 1): Runner {
  let nowNs = 0n;
  const clock: Clock = () => nowNs;
  const latencyOf = (cell: PlannedCell, seed: number) => {
    const factor = spec.slow.filter((s) => matches(cell, [s.glob])).reduce((f, s) => f * s.factor, 1);
    const rng = createRng(deriveSeed(seed, `fake\u0000${trial}\u0000${cell.id}`));
    const offset = Math.exp(spec.offset * rng.normal());
    return () => msToNs(spec.medianMs) * factor * offset * Math.exp(spec.sd * rng.normal());
  };
  return {
    clock,
    unavailable(cell) {
      if (spec.bug) throw new TypeError("fake runner: an injected internal error");
      return matches(cell, spec.skip) ? `fake runner: ${cell.id} is unavailable here` : undefined;
    },
    async prepare(cell, seed): Promise<PreparedCell> {
      if (spec.prepareMs > 0) await sleep(spec.prepareMs);
      if (matches(cell, spec.fail)) return Promise.reject(new Error(`fake runner: ${cell.id} cannot be prepared`));
      if (cell.provider !== "cpu" && !isRemote(cell)) return Promise.reject(new ProviderUnavailableError(`fake runner: no ${cell.provider} here`));
      const next = latencyOf(cell, seed);
      return Promise.resolve({
        sessionCreateMs: 1,
        itemsPerCall: cell.batch,
        call: () => {
          nowNs += BigInt(Math.round(next()));
          return spec.waitMs > 0 ? sleep(spec.waitMs) : Promise.resolve();
        },
        runLoad: (signal) => Promise.resolve(fakeLoad(cell, next, signal)),
        release: () => Promise.resolve(),
      });
    },
  };
}

/** A load cell's result without sending anything: closed loop by Little's law, open loop at its rate. */
function fakeLoad(cell: PlannedCell, next: () => number, signal: AbortSignal): LoadResult {
  const { load } = cell;
  const durationNs = msToNs(cell.targetSpec.load.durationMs);
  const count = signal.aborted ? 0 : Math.min(cell.targetSpec.load.maxRequests ?? 5000, 5000);
  const latenciesNs = Float64Array.from({ length: count }, next);
  const mean = latenciesNs.reduce((a, b) => a + b, 0) / Math.max(1, count);
  const achievedRate = load.mode === "open" ? load.rate : load.mode === "closed" ? load.concurrency / nsToS(mean) : 0;
  return {
    latenciesNs,
    sent: count,
    ok: count,
    errors: emptyErrors(),
    errorCount: 0,
    durationNs,
    targetRate: load.mode === "open" ? load.rate : null,
    achievedRate,
    generatorLagged: false,
    maxDispatchLagNs: 0,
  };
}
