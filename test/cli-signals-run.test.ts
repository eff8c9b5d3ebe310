import { describe, expect, it, vi } from "vitest";
import { CODE, finishedInProgress, interrupt, type Signal, signalSuite, storedRuns, type StoredRun } from "./helpers/signals.js";

/**
 * `bench run` interrupted at each step of a run by SIGINT, SIGTERM or SIGHUP, once or twice: it
 * exits with the signal's code, marks the run interrupted, keeps every cell a trial finished and
 * the one it was measuring (marked partial), and leaves an intact database. The fake runner's
 * real-time waits (`wait=MS` per call, `prepare=MS` per session) time the signals; the cases run
 * side by side, each with its own database.
 */
// The cases mostly wait (on the fake runner's timers): all of them at once.
vi.setConfig({ maxConcurrency: 10 });

describe.concurrent("bench run interrupted", () => {
  const run = (spec: string, o: Parameters<typeof interrupt>[1]) => {
    const { suite, db } = signalSuite();
    return { db, done: interrupt(["run", suite, "--db", db, "--debug-runner", `fake:${spec}`], o) };
  };
  const onlyRun = (db: string): StoredRun => {
    const runs = storedRuns(db);
    expect(runs).toHaveLength(1);
    const [r] = runs as [StoredRun];
    expect(r.integrity).toBe("ok");
    return r;
  };
  /** Every cell a trial reported finished is in the run, with that trial's result kept. */
  const expectFinishedKept = (r: StoredRun, stderr: string) => {
    const finished = finishedInProgress(stderr);
    for (const { id } of finished) expect(r.cells.map((c) => c.id)).toContain(id);
    for (const { trial, id } of finished) expect(r.trialCells.get(id)?.length).toBeGreaterThanOrEqual(trial === 1 ? 1 : 2);
    return finished;
  };
  /** Cut short by the signal: what it measured is kept, its stop reason says so. */
  const partial = (c: { stopReason: string | null }) => c.stopReason === "interrupted";

  it.each<[Signal]>([["SIGINT"], ["SIGHUP"]])("%s while a cell's session is created: the cell is left out, the finished one kept", async (signal) => {
    // Each session takes 400 ms to create; the signal comes right after the first cell.
    const { db, done } = run("prepare=400", { when: /\[trial 1: 1\/4\]/, signals: [signal] });
    const r = await done;
    expect(r.code, r.stderr).toBe(CODE[signal]);
    expect(r.stderr).toMatch(/stopping after storing the finished cells/);
    const stored = onlyRun(db);
    expect(stored.status).toBe("interrupted");
    expect(expectFinishedKept(stored, r.stderr)).toHaveLength(1);
    expect(stored.cells).toHaveLength(1);
    expect(stored.cells[0]?.status).toBe("ok");
    expect(partial(stored.cells[0] as StoredRun["cells"][number])).toBe(false);
  });

  it("SIGTERM mid-cell: two finished cells and the partial third are stored", async () => {
    // ~22 calls of 30 ms per cell; 200 ms into the third.
    const { db, done } = run("wait=30", { when: /\[trial 1: 2\/4\]/, delayMs: 200, signals: ["SIGTERM"] });
    const r = await done;
    expect(r.code, r.stderr).toBe(CODE.SIGTERM);
    expect(r.stderr).toMatch(/got SIGTERM; stopping after storing the finished cells/);
    const stored = onlyRun(db);
    expect(stored.status).toBe("interrupted");
    expect(expectFinishedKept(stored, r.stderr)).toHaveLength(2);
    expect(stored.cells).toHaveLength(3);
    const third = stored.cells.filter(partial);
    expect(third).toHaveLength(1);
    expect(third[0]?.samples).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/\[trial 1: 3\/4\] \S+ +p50 .*partial \(interrupted\)/);
  });

  it("SIGHUP between cells: the finished cells are stored, anything after them only as partial", async () => {
    const { db, done } = run("wait=30", { when: /\[trial 1: 2\/4\]/, signals: ["SIGHUP"] });
    const r = await done;
    expect(r.code, r.stderr).toBe(CODE.SIGHUP);
    const stored = onlyRun(db);
    expect(stored.status).toBe("interrupted");
    expect(expectFinishedKept(stored, r.stderr)).toHaveLength(2);
    expect(stored.cells.filter((c) => !partial(c))).toHaveLength(2);
    expect(stored.cells.length).toBeLessThanOrEqual(3);
  });

  it("SIGINT mid-cell in the second trial: the first trial's cells whole, the second's finished ones and its partial cell", async () => {
    const { db, done } = run("wait=20", { when: /\[trial 2: 2\/4\]/, delayMs: 150, signals: ["SIGINT"] });
    const r = await done;
    expect(r.code, r.stderr).toBe(CODE.SIGINT);
    const stored = onlyRun(db);
    expect(stored.status).toBe("interrupted");
    expect(stored.cells).toHaveLength(4);
    expect(expectFinishedKept(stored, r.stderr).filter((f) => f.trial === 2)).toHaveLength(2);
    // The cell cut short in trial 2 keeps its trial-1 result and what trial 2 measured, marked partial.
    const cut = stored.cells.filter(partial);
    expect(cut).toHaveLength(1);
    expect(cut[0]?.trials).toHaveLength(2);
    expect(cut[0]?.notes.some((n) => n.startsWith("partial: "))).toBe(true);
  });

  it("SIGTERM during the final write: the exit code and the stored status agree, every cell stored whole", async () => {
    // The last cell of the last trial is done; the trial and then the run store and close.
    const { db, done } = run("wait=5", { when: /\[trial 2: 4\/4\]/, signals: ["SIGTERM"] });
    const r = await done;
    const stored = onlyRun(db);
    expect([0, CODE.SIGTERM]).toContain(r.code);
    expect(stored.status).toBe(r.code === 0 ? "completed" : "interrupted");
    expect(stored.cells).toHaveLength(4);
    for (const c of stored.cells) expect(partial(c)).toBe(false);
    for (const c of stored.cells) expect(stored.trialCells.get(c.id)).toHaveLength(2);
  });

  it.each<[Signal]>([["SIGINT"]])("%s twice mid-cell: the run is still marked interrupted, exit 130, the finished cell kept", async (signal) => {
    // Calls of 100 ms: the first signal waits for the call in progress; the second, 20 ms later, may
    // find the trial already stopped (on a loaded machine the first one's stop can win the race),
    // so the "again" path itself is asserted by the next test, where the trial cannot stop.
    const { db, done } = run("wait=100", { when: /\[trial 1: 1\/4\]/, delayMs: 300, signals: [signal, signal], gapMs: 20 });
    const r = await done;
    expect(r.code, r.stderr).toBe(CODE[signal]);
    const stored = onlyRun(db);
    expect(stored.status).toBe("interrupted");
    expect(expectFinishedKept(stored, r.stderr)).toHaveLength(1);
    expect(stored.cells.filter((c) => !partial(c))).toHaveLength(1);
  });

  it("SIGINT twice while a trial cannot stop (a session takes a minute to create): the trial is stopped, the run marked, exit 130 at once", async () => {
    // One signal alone would wait for the session; the second must not.
    const { suite, db } = signalSuite();
    const done = interrupt(["run", suite, "--db", db, "--debug-runner", "fake:prepare=60000"], {
      when: { runIn: db },
      delayMs: 1000,
      signals: ["SIGINT", "SIGINT"],
      gapMs: 500,
      limitMs: 15_000,
    });
    const r = await done;
    expect(r.killedBy, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(CODE.SIGINT);
    expect(r.stderr).toMatch(/SIGINT again: stopping the trial in progress now/);
    const stored = onlyRun(db);
    expect(stored.status).toBe("interrupted");
    expect(stored.cells).toHaveLength(0);
  });
});
