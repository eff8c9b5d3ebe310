import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { countStatuses, groupNotes, renderRunTable } from "../src/report/table.js";
import { LOAD_CELL, RUN_INFO, SAMPLE_RUN, TRIAL_RUN } from "./fixtures/runs/sample-run.js";

describe("renderRunTable", () => {
  it("renders every kind of cell, the notes and the footer", async () => {
    await expect(renderRunTable(SAMPLE_RUN, { color: false })).toMatchFileSnapshot("./fixtures/golden/run-table.txt");
  });

  it("says an interrupted, quiet run in its header", async () => {
    const run = { ...RUN_INFO, status: "interrupted" as const, noise: null };
    await expect(renderRunTable({ run, cells: SAMPLE_RUN.cells.slice(0, 1) }, { color: false })).toMatchFileSnapshot(
      "./fixtures/golden/run-table-interrupted.txt",
    );
  });

  it("a run in trials: trials×samples per cell, the trials and canary in the header, notes grouped by kind", async () => {
    await expect(renderRunTable(TRIAL_RUN, { color: false })).toMatchFileSnapshot("./fixtures/golden/run-table-trials.txt");
  });

  it("with colour adds ANSI codes and nothing else", () => {
    const plain = renderRunTable(SAMPLE_RUN, { color: false });
    const colored = renderRunTable(SAMPLE_RUN, { color: true });
    expect(plain).not.toMatch(/\u001b\[/);
    expect(colored).toContain("\u001b[1mrun run00000001\u001b[22m");
    expect(colored).toContain("\u001b[31mFAILED\u001b[39m");
    expect(colored).toContain("\u001b[33mskipped\u001b[39m");
    expect(stripVTControlCharacters(colored)).toBe(plain);
  });

  it("names the trace a replayed load cell sent, once per file and speed-up, and nothing for other load cells", () => {
    const trace = { path: "traces/burst.jsonl", sha256: "ab".repeat(32), requests: 150, spanMs: 14000, speedup: 2, scheduled: 150 };
    const replayed = (id: string, speedup = 2) => ({ ...LOAD_CELL, id, load: { ...LOAD_CELL.load, mode: "open" as const, trace: { ...trace, speedup } } });
    const text = renderRunTable({ run: RUN_INFO, cells: [replayed("llm/r5"), replayed("llm/r10"), replayed("llm/r20", 4), LOAD_CELL] }, { color: false });
    expect(text).toContain("replayed traces/burst.jsonl (sha256:abababababab, 150 requests over 14.0 s, replayed ×2): llm/r5, llm/r10\n");
    expect(text).toContain("replayed traces/burst.jsonl (sha256:abababababab, 150 requests over 14.0 s, replayed ×4): llm/r20\n");
    expect(text.match(/^replayed /gm)).toHaveLength(2);
    expect(renderRunTable(SAMPLE_RUN, { color: false })).not.toMatch(/^replayed /m);
  });

  it("counts statuses, unconverged and noisy cells", () => {
    expect(countStatuses(SAMPLE_RUN.cells)).toEqual({ ok: 4, failed: 1, skipped: 1, invalid: 0, unconverged: 1, noisy: 1 });
  });

  it("an invalid cell (its load generator could not drive the load) shows its message, not its numbers, and is counted apart", () => {
    const [first, ...rest] = SAMPLE_RUN.cells;
    if (!first) throw new Error("no cell");
    const error =
      "the generator fell behind: sent 6,100 of 10,000 req/s, sends late by up to 850 ms (p99 620 ms): lower the rate or give the generator more CPU";
    const cells = [{ ...first, status: "invalid" as const, error }, ...rest];
    expect(countStatuses(cells)).toMatchObject({ ok: 3, failed: 1, invalid: 1 });
    const text = renderRunTable({ ...SAMPLE_RUN, cells }, { color: false });
    expect(text).toContain(`INVALID: ${error.slice(0, 40)}`);
    expect(text).toMatch(/3 ok, 1 failed, 1 skipped, 1 invalid \(the load generator could not drive the load\)/);
  });
});

describe("groupNotes", () => {
  it("one line per kind: shared numbers stay, differing ones become … with each cell's own in brackets", () => {
    expect(
      groupNotes([
        { cell: "a", notes: ["p99: 120 samples are too few for a 95% interval (needs at least 368)", "drifted"] },
        { cell: "b", notes: ["p99: 200 samples are too few for a 95% interval (needs at least 368)"] },
        { cell: "c", notes: ["drifted", "p90: 10 samples are too few for a 95% interval (needs at least 37)"] },
      ]),
    ).toEqual([
      "p99: … samples are too few for a 95% interval (needs at least 368) — a [120], b [200]",
      "drifted — a, c",
      "p90: 10 samples are too few for a 95% interval (needs at least 37) — c",
    ]);
  });

  it("keeps digits that belong to a name (p99, b8) as text, and is empty without notes", () => {
    expect(
      groupNotes([
        { cell: "x/b8", notes: ["b8 ran 3 times"] },
        { cell: "y/b8", notes: ["b8 ran 4 times"] },
      ]),
    ).toEqual(["b8 ran … times — x/b8 [3], y/b8 [4]"]);
    expect(groupNotes([{ cell: "a", notes: [] }])).toEqual([]);
  });
});
