/**
 * The build's second step (`npm run build`, after tsc): the pure-JavaScript packages that every
 * command or the suite's loading imports are bundled into a few shared files under dist/vendor/,
 * and dist/'s own modules import those instead of node_modules. Node resolves, reads and compiles
 * each ES module apart (zod alone is ~95 files, ~80 ms to import); one file each costs a fraction
 * of that, in the CLI's process, the thread that loads the suite and every trial's process
 * (docs/perf/cli.md, "Bundled dependencies").
 *
 * bench's own modules stay where tsc wrote them, one file each, so every `import.meta.url` (the
 * worker and trial entry points, package.json, the suite cache's build identity) means what it
 * did. Packages with native code, their own worker files or large optional parts (onnxruntime,
 * better-sqlite3, autocannon, undici, vega, systeminformation, …) stay in node_modules.
 *
 * Usage: tsx scripts/bundle-deps.ts [DIST=dist]
 */
import { build, type Plugin } from "esbuild";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Imported at start-up by `bench run`, `list`, `show`, the suite's loading or a trial: pure JavaScript, no files of their own at run time. */
export const BUNDLED = ["zod", "yaml", "commander", "chalk", "cli-table3", "simple-statistics", "fastest-levenshtein"] as const;

const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

function modules(dir: string, vendor: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return p === vendor ? [] : modules(p, vendor);
    return e.name.endsWith(".js") ? [p] : [];
  });
}

/** bench's own imports stay imports; a listed package is bundled (with what it imports); any other package stays in node_modules. */
const ownModulesApart = (dist: string): Plugin => ({
  name: "own-modules-apart",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      const fromOwn = args.importer.startsWith(dist + path.sep);
      if (args.path.startsWith(".") || args.path.startsWith("/")) return fromOwn ? { path: args.path, external: true } : undefined;
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      if (!fromOwn) return undefined;
      return (BUNDLED as readonly string[]).includes(packageOf(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
});

export async function bundleDependencies(dist: string): Promise<void> {
  const vendor = path.join(dist, "vendor");
  // Its own modules must be tsc's: bundled once already, they import chunks that this run replaces.
  if (readFileSync(path.join(dist, "cli.js"), "utf8").includes("/vendor/")) throw new Error(`${dist} is bundled already: run \`npm run build\` (tsc first)`);
  rmSync(vendor, { recursive: true, force: true });
  const result = await build({
    entryPoints: modules(dist, vendor),
    outdir: dist,
    outbase: dist,
    allowOverwrite: true,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "vendor/[name]-[hash]",
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    plugins: [ownModulesApart(dist)],
  });
  // The CommonJS packages (commander, cli-table3) call require() for Node's built-ins: an ES module
  // has none, so the chunks that need one get it from createRequire (on their first line: the source
  // map's lines stay right).
  let chunks = 0;
  for (const out of Object.keys(result.metafile.outputs)) {
    const file = path.resolve(out);
    if (!file.endsWith(".js")) continue;
    const text = readFileSync(file, "utf8");
    if (!file.startsWith(vendor + path.sep)) {
      // A package imported by one module only is written into that module, which may have a require of its own.
      if (/\b__require\b/.test(text))
        throw new Error(`${out}: a bundled CommonJS package calls require() in one of bench's own modules; leave it out of BUNDLED`);
      continue;
    }
    chunks++;
    if (/\b__require\b/.test(text)) {
      writeFileSync(
        file,
        `import { createRequire as __benchCreateRequire } from "node:module"; const require = __benchCreateRequire(import.meta.url); ${text}`,
      );
    }
  }
  process.stdout.write(`bundled ${BUNDLED.join(", ")} into ${chunks} files in ${path.relative(process.cwd(), vendor)}/\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await bundleDependencies(path.resolve(process.argv[2] ?? "dist"));
