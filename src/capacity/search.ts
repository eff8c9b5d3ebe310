import type { CapacityStep } from "./step.js";

/** What is searched: an open loop's arrival rate (requests/s) or a closed loop's requests in flight. */
export type CapacityAxis = "rate" | "concurrency";

export interface CapacityResult {
  axis: CapacityAxis;
  /**
   * found: the highest passing step, with a failing (or undecided) step within the resolution above it;
   * generator-limited: the generator could not drive a step above the highest passing one, so the
   *   capacity is at least `capacity` and above what this generator can drive;
   * at-max: every step passed up to the search's maximum;
   * none: no step passed (the SLO fails at the lowest load tried, or the generator could not drive it).
   */
  status: "found" | "generator-limited" | "at-max" | "none";
  /** The highest load at which every SLO passed its test; null when none did. */
  capacity: number | null;
  /** The steps either side of the capacity: the highest passing one and the lowest one above it that did not pass. */
  bracket: { below: CapacityStep | null; above: CapacityStep | null };
  /** Every step in the order run (the curve). */
  steps: CapacityStep[];
  notes: string[];
}

export interface SearchOptions {
  axis: CapacityAxis;
  start: number;
  /** The highest load the search tries. */
  max: number;
  /** Rate: stop bisecting once (above − below) / below is at most this; concurrency: once they are 1 apart. */
  resolution: number;
  /** A bound on the number of steps, whatever happens. */
  maxSteps: number;
  /** Measures one step at `target`; `longer`: an undecided step measured again, for longer (the caller says how much). */
  step: (target: number, longer: boolean) => Promise<CapacityStep>;
  /** Stop early (a signal): the result so far is returned. */
  stopped?: () => boolean;
}

/** The lowest load a ramp down goes to before it gives up: start / 2^MAX_HALVINGS. */
const MAX_HALVINGS = 6;

/** A rate with 3 significant digits, so steps read as 212, not 212.890625. */
function roundRate(x: number): number {
  return Number(x.toPrecision(3));
}

/**
 * The highest load at which the SLOs hold: an exponential ramp from `start` (doubling while steps
 * pass, halving while they do not), then bisection between the highest passing step and the
 * lowest one above it that did not pass, to the resolution. An undecided step (too few requests,
 * or a percentile too close to its threshold to tell at the confidence) is measured again for
 * longer; undecided again, it counts as not passing:
 * the capacity claimed is one a step showed, never one it could not. An invalid step (the
 * generator could not drive it) is measured once more; invalid again, it ends the search: nothing
 * above it can be measured with this generator, and it is never counted against the server.
 */
export async function searchCapacity(o: SearchOptions): Promise<CapacityResult> {
  const steps: CapacityStep[] = [];
  const notes: string[] = [];
  const integer = o.axis === "concurrency";
  const min = integer ? 1 : o.start / 2 ** MAX_HALVINGS;
  // The highest passing step, the lowest one above it that did not pass, and an invalid one.
  const at: { below: CapacityStep | null; above: CapacityStep | null; invalid: CapacityStep | null; unmeasured: string | null } = {
    below: null,
    above: null,
    invalid: null,
    unmeasured: null,
  };

  const run = async (target: number): Promise<CapacityStep | null> => {
    if (steps.length >= o.maxSteps || o.stopped?.()) return null;
    let s = await o.step(target, false);
    steps.push(s);
    // An SLO on a metric this cell does not carry (ttft on a non-streaming cell) cannot be decided by measuring more.
    const unmeasured = s.slo.checks.find((c) => c.verdict === "not-measured");
    if (unmeasured) {
      at.unmeasured = `${unmeasured.slo}: ${unmeasured.reason ?? "not measured"}`;
      return null;
    }
    // A generator held up once (a GC pause, a neighbour's burst on a shared machine) gets a second try at the same load;
    // a step with too few requests to decide, a longer one.
    if ((s.verdict === "invalid" || s.verdict === "undecided") && steps.length < o.maxSteps && !o.stopped?.()) {
      const again = s.verdict === "invalid" ? "the generator fell behind" : "not enough requests to tell at this confidence";
      notes.push(`the step at ${target}${unit(o.axis)} was ${s.verdict} (${again}) and was measured again${s.verdict === "undecided" ? ", for longer" : ""}`);
      s = await o.step(target, s.verdict === "undecided");
      steps.push(s);
    }
    if (s.verdict === "invalid") at.invalid = s;
    else if (s.verdict === "pass") {
      if (at.below === null || s.target > at.below.target) at.below = s;
    } else {
      if (s.verdict === "undecided")
        notes.push(`the step at ${s.target}${unit(o.axis)} was undecided (${describeUndecided(s)}): counted as not meeting the SLO`);
      if (at.above === null || s.target < at.above.target) at.above = s;
    }
    return s;
  };

  // The ramp.
  let x = integer ? Math.max(1, Math.round(o.start)) : o.start;
  for (;;) {
    const s = await run(x);
    if (s === null || s.verdict === "invalid") break;
    if (s.verdict === "pass") {
      if (at.above !== null || x >= o.max) break;
      x = Math.min(o.max, integer ? x * 2 : roundRate(x * 2));
    } else {
      if (at.below !== null) break;
      const next = integer ? Math.floor(x / 2) : roundRate(x / 2);
      if (next < min) break;
      x = next;
    }
  }
  // Bisection.
  const converged = (): boolean => {
    if (at.below === null || at.above === null) return false;
    const [lo, hi] = [at.below.target, at.above.target];
    return integer ? hi - lo <= 1 : (hi - lo) / lo <= o.resolution;
  };
  while (at.invalid === null && at.below !== null && at.above !== null && !converged()) {
    const [lo, hi] = [at.below.target, at.above.target];
    const mid = integer ? Math.floor((lo + hi) / 2) : roundRate((lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;
    if ((await run(mid)) === null) break;
  }

  const { below, above, invalid } = at;
  const result = (status: CapacityResult["status"]): CapacityResult => ({
    axis: o.axis,
    status,
    capacity: below?.target ?? null,
    bracket: { below, above: status === "generator-limited" ? invalid : above },
    steps,
    notes,
  });
  if (at.unmeasured !== null) {
    notes.push(`the search stopped: ${at.unmeasured}`);
    return result("none");
  }
  if (invalid !== null) {
    const why = `the step at ${invalid.target}${unit(o.axis)} was invalid: ${invalid.generator.reason ?? "the generator fell behind"}`;
    notes.push(
      below === null
        ? `${why}; nothing could be measured: the generator could not drive even this load`
        : `${why}; the search stopped there: the capacity is at least ${below.target}${unit(o.axis)}, and may be above what this generator can drive`,
    );
    return result(below === null ? "none" : "generator-limited");
  }
  if (steps.length >= o.maxSteps && !converged()) notes.push(`stopped after ${o.maxSteps} steps before reaching the resolution`);
  if (below === null) {
    if (steps.length > 0) notes.push(`no step met the SLO, down to ${steps[steps.length - 1]?.target}${unit(o.axis)}`);
    return result("none");
  }
  if (above === null) {
    notes.push(`every step met the SLO up to the search's maximum (${o.max}${unit(o.axis)})`);
    return result("at-max");
  }
  return result("found");
}

export function unit(axis: CapacityAxis): string {
  return axis === "rate" ? " req/s" : " in flight";
}

function describeUndecided(s: CapacityStep): string {
  const open = s.slo.checks.filter((c) => c.verdict !== "pass" && c.verdict !== "fail");
  return open.map((c) => (c.verdict === "not-measured" ? `${c.slo}: ${c.reason ?? "not measured"}` : `${c.slo}: ${c.over} of ${c.n} requests over`)).join("; ");
}
