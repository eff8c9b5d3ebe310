import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CellResult } from "../src/results.js";
import { bench, tempDir } from "./helpers/cli.js";
import { staticServer, type TestServer } from "./helpers/servers.js";

/**
 * End to end: an open-loop cell at a rate no generator can send (1,000,000 req/s) against a
 * server on 127.0.0.1 is `invalid` with the generator's message, the run exits 3, and the cell
 * ends within its duration plus the grace.
 */
describe("bench run: a load the generator cannot drive", () => {
  const dir = tempDir();
  const db = path.join(dir, "r.db");
  let server: TestServer;

  beforeAll(async () => {
    server = await staticServer();
    writeFileSync(
      path.join(dir, "absurd.yaml"),
      `name: absurd-rate
targets:
  srv:
    kind: http
    url: \${SRV_URL}
    protocol: json
    body: '{"x": {{flat:x}}}'
    inputs: { x: { shape: [batch, 4], dtype: float32 } }
    timeoutMs: 300
matrix: { batch: [1], rate: [1000000] }
load: { durationMs: 500, warmupRequests: 5 }
`,
    );
  });
  afterAll(() => server.close());

  it("is invalid, says which limit and what to change, and the run exits 3", async () => {
    const r = await bench(["run", path.join(dir, "absurd.yaml"), "--db", db, "--json"], { env: { SRV_URL: server.url } });
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout) as { run: { status: string }; cells: CellResult[] };
    const [cell] = doc.cells;
    expect(cell?.status).toBe("invalid");
    expect(cell?.error).toMatch(/^the generator fell behind: sent [\d.,]+ of 1,000,000 req\/s, .*never sent.*: lower the rate/);
    const g = cell?.load?.generator;
    expect(g?.dropped).toBeGreaterThan(0);
    expect(g?.maxInFlight).toBeLessThanOrEqual(g?.inFlightCap ?? 0);
    // The measured window stays within the cell's duration (plus a send's own delay), not the schedule's catch-up.
    expect(cell?.load?.durationMs).toBeLessThan(500 + 300);
    expect(doc.run.status).toBe("failed");
    expect(r.stderr).toMatch(/1 of 1 cells invalid/);
    const list = await bench(["list", "--db", db, "--json"]);
    expect(JSON.parse(list.stdout)[0].cells).toEqual({ failed: 1 });
  });
});
