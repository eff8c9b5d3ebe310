import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLED } from "../scripts/bundle-deps.js";

const DIST = path.resolve(import.meta.dirname, "../dist");

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "vendor" ? [] : modules(p);
    return e.name.endsWith(".js") ? [p] : [];
  });
}

// The build the CLI tests run (test/global-setup.ts: `npm run build`, as `npm ci` does).
describe("the build's bundled dependencies (scripts/bundle-deps.ts)", () => {
  const own = modules(DIST);
  const imports = (file: string) => [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1] as string);

  it("leaves bench's own modules where tsc wrote them and none imports a bundled package from node_modules", () => {
    expect(own.map((f) => path.relative(DIST, f))).toEqual(
      expect.arrayContaining(["cli.js", "cli/trial-main.js", "suite/load-worker.js", "load/open-worker.js"]),
    );
    const fromNodeModules = own.flatMap((f) =>
      imports(f)
        .filter((s) => (BUNDLED as readonly string[]).includes(s.split("/")[0] as string))
        .map((s) => `${f}: ${s}`),
    );
    expect(fromNodeModules).toEqual([]);
  });

  it("gives the modules that use them shared chunks in dist/vendor, which every import finds", () => {
    const schema = imports(path.join(DIST, "suite/schema.js"));
    expect(schema.some((s) => s.startsWith("../vendor/"))).toBe(true);
    const missing = own.flatMap((f) => imports(f).filter((s) => s.includes("vendor/") && !readdirSync(path.join(DIST, "vendor")).includes(path.basename(s))));
    expect(missing).toEqual([]);
  });
});
