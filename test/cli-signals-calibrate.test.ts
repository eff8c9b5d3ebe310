import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CODE, interrupt, type Signal, signalSuite, storedRuns } from "./helpers/signals.js";

/** The processes whose command line names `dir`: what a command left running there. */
function processesIn(dir: string): string[] {
  return execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(dir));
}

/**
 * `bench calibrate` runs `bench run` in child processes of their own process group: a signal sent
 * to calibrate alone (as `kill` or a CI runner does) must reach the run in progress, which stores
 * what it measured and marks itself interrupted; calibrate waits for it and exits with the
 * signal's code, leaving no process behind.
 */
describe.concurrent("bench calibrate interrupted", () => {
  it.each<[Signal]>([["SIGINT"], ["SIGTERM"]])("%s to calibrate alone stops its run, marks it interrupted and orphans nothing", async (signal) => {
    const { dir, suite, db } = signalSuite();
    const r = await interrupt(["calibrate", suite, "--runs", "3", "--db", db, "--debug-runner", "fake:wait=30"], {
      when: { runIn: db },
      delayMs: 1500,
      signals: [signal],
    });
    expect(r.killedBy, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(CODE[signal]);
    const runs = storedRuns(db);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.integrity).toBe("ok");
    expect(runs[0]?.status).toBe("interrupted");
    expect(processesIn(dir)).toEqual([]);
  });
});
