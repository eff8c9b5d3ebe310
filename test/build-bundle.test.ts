import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLED, ENTRY_POINTS } from "../scripts/bundle.js";

const DIST = path.resolve(import.meta.dirname, "../dist");
const specifiers = (file: string) => [...readFileSync(file, "utf8").matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1] as string);

// The build the CLI tests run (test/global-setup.ts: `npm run build`, as `npm ci` does).
describe("the bundled build (scripts/bundle.ts)", () => {
  const chunks = readdirSync(path.join(DIST, "chunks")).filter((f) => f.endsWith(".js"));
  const bundle = [...ENTRY_POINTS.map((e) => path.join(DIST, e)), ...chunks.map((c) => path.join(DIST, "chunks", c))];

  it("loads bench's own modules and the listed packages from the bundle only, and finds every chunk it imports", () => {
    const imports = bundle.flatMap((file) => specifiers(file).map((s) => ({ file: path.relative(DIST, file), s })));
    const own = imports.filter(({ s }) => s.startsWith("."));
    expect(own.length).toBeGreaterThan(ENTRY_POINTS.length);
    // Every relative import is a chunk of this build (none is one of tsc's modules), and it is there.
    const outside = own.filter(({ file, s }) => path.dirname(path.resolve(DIST, path.dirname(file), s)) !== path.join(DIST, "chunks"));
    expect(outside).toEqual([]);
    expect(own.filter(({ file, s }) => !existsSync(path.resolve(DIST, path.dirname(file), s)))).toEqual([]);
    expect(imports.filter(({ s }) => (BUNDLED as readonly string[]).includes(s.split("/")[0] as string))).toEqual([]);
    // The CLI's own start: commander is in the bundle, onnxruntime and better-sqlite3 are not.
    expect(imports.some(({ s }) => s === "better-sqlite3")).toBe(true);
  });

  it("keeps each module's import.meta.url the URL of tsc's file, and tsc's files beside the bundle", () => {
    // spawn-trial's `new URL("./trial-main.js", import.meta.url)` must name dist/cli/trial-main.js from wherever its code landed.
    const withTrialMain = bundle.filter((f) => readFileSync(f, "utf8").includes('"./trial-main.js"'));
    expect(withTrialMain.length).toBe(1);
    expect(readFileSync(withTrialMain[0] as string, "utf8")).toContain(
      'new URL("./cli/spawn-trial.js", import.meta.url.slice(0, import.meta.url.lastIndexOf("/dist/") + 6))',
    );
    expect(existsSync(path.join(DIST, "cli/spawn-trial.js"))).toBe(true);
    expect(specifiers(path.join(DIST, "suite/schema.js"))).toContain("zod");
  });
});
