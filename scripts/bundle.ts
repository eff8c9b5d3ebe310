/**
 * The build's second step (`npm run build`, after tsc): each module that Node starts by its path
 * (the CLI, a trial's process, the suite-loading and open-loop worker threads) is bundled with
 * esbuild, with bench's own modules and the pure-JavaScript packages they import, into itself
 * and a few shared chunks under dist/chunks/, loaded as a command needs them.
 *
 * Why: Node opens, resolves, reads and compiles each ES module apart, ~0.5 ms apiece on this
 * machine before any of it runs; `bench run` imported ~100 of bench's modules and zod's ~95 in
 * its process, the worker and each trial (docs/perf/cli.md, "The bundled build").
 *
 * tsc's one-file-per-module output stays beside the bundle (tests and perf/ scripts import those
 * modules by path, and the caches' build identities stat them). In the bundle, each module's
 * `import.meta.url` is the URL tsc's file has, so `new URL("./trial-main.js", import.meta.url)`
 * and the like mean what they did. Packages with native code, files of their own at run time or
 * large optional parts (onnxruntime, better-sqlite3, autocannon, undici, vega, systeminformation,
 * …) stay in node_modules.
 *
 * Usage: tsx scripts/bundle.ts [DIST=dist]
 */
import { build, type Plugin } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** The modules Node starts by their path, relative to dist/. */
export const ENTRY_POINTS = ["cli.js", "cli/trial-main.js", "suite/load-worker.js", "load/open-worker.js"] as const;

/** Imported at start-up by a command, the suite's loading or a trial: pure JavaScript, no files of their own at run time. */
export const BUNDLED = ["zod", "yaml", "commander", "chalk", "cli-table3", "simple-statistics", "fastest-levenshtein"] as const;

const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/** A listed package is bundled (with what it imports); any other stays in node_modules. */
const packagesOutside = (dist: string): Plugin => ({
  name: "packages-outside",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === "entry-point" || !args.importer.startsWith(dist + path.sep)) return undefined;
      return (BUNDLED as readonly string[]).includes(packageOf(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
});

/**
 * Each of bench's modules keeps the URL of tsc's file as its `import.meta.url`, wherever its code
 * lands: the output file's own URL cut at its last `/dist/` (the bundle lies in dist/ and
 * dist/chunks/), then the module's path in dist/.
 */
const ownModuleUrls = (dist: string): Plugin => ({
  name: "own-module-urls",
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(dist + path.sep)) return undefined;
      const text = readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const own = JSON.stringify(`./${path.relative(dist, args.path).split(path.sep).join("/")}`);
      const url = `new URL(${own}, import.meta.url.slice(0, import.meta.url.lastIndexOf("/dist/") + 6)).href`;
      return { contents: text.replaceAll("import.meta.url", url), loader: "js", resolveDir: path.dirname(args.path) };
    });
  },
});

/**
 * zod's translations of its messages into 60 languages are half its code (370 of 755 kB), parsed
 * at every start: bench never switches zod's language (its English, en.js, is imported apart and
 * stays), so `z.locales` is bundled empty.
 */
const zodWithoutTranslations: Plugin = {
  name: "zod-without-translations",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "bench-empty" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "bench-empty" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

export async function bundle(dist: string): Promise<void> {
  // The entry points must be tsc's: bundled once already, they import chunks that this run replaces.
  if (readFileSync(path.join(dist, "cli.js"), "utf8").includes("/chunks/")) throw new Error(`${dist} is bundled already: run \`npm run build\` (tsc first)`);
  rmSync(path.join(dist, "chunks"), { recursive: true, force: true });
  await build({
    entryPoints: ENTRY_POINTS.map((e) => path.join(dist, e)),
    outdir: dist,
    outbase: dist,
    allowOverwrite: true,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunks/[name]-[hash]",
    sourcemap: "linked",
    logLevel: "warning",
    // The CommonJS packages (commander, cli-table3) call require() for Node's built-ins, which an ES module lacks.
    banner: { js: `import { createRequire as __benchCreateRequire } from "node:module"; const require = __benchCreateRequire(import.meta.url);` },
    plugins: [zodWithoutTranslations, packagesOutside(dist), ownModuleUrls(dist)],
  });
  process.stdout.write(`bundled ${ENTRY_POINTS.join(", ")} with bench's modules and ${BUNDLED.join(", ")} (dist/chunks/)\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await bundle(path.resolve(process.argv[2] ?? "dist"));
