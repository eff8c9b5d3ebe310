// The one-way import flow of src/ (STYLE.md "Rules that hold themselves"), checked by
// `npm run lint:deps` in `npm run check`. Type-only imports count (tsPreCompilationDeps).
//
// File-level no-circular does not see a cycle between folders (suite → runners → load → … → suite
// through different files), so every top-level unit of src/ also sits in a layer: a module may
// import its own unit and any unit of a lower layer, nothing else. With a strict order, a
// folder-level cycle cannot be written.

/** Lowest first. A unit is a folder of src/ ("stats/") or a single file ("errors.ts"). */
const LAYERS = [
  ["util/", "errors.ts"],
  ["stats/"],
  // accuracy: comparing a variant's outputs with the reference's (pure, like stats).
  ["accuracy/"],
  // inputs plans tensors from the suite's input specs (suite/schema.ts).
  ["suite/"],
  ["inputs/"],
  ["fingerprint/"],
  ["load/"],
  // The shapes of results, shared by everything from the runners upward.
  ["results.ts"],
  // runners may import load (a load runner drives a load generator), not the reverse.
  ["runners/"],
  ["measure/"],
  // capacity: the search for the highest load that meets the SLOs, over steps the runners measure.
  ["capacity/"],
  ["store/", "baseline/"],
  ["compare/"],
  // scale: runs spread over machines (shards, merge, export and import) on top of the store;
  // its merge refuses parts whose must-match fields (compare/env.ts) differ.
  ["scale/"],
  ["report/"],
  ["serve/"],
  ["cli/", "cli.ts"],
];

/** cli.ts is the entry of the cli/ commands: the two are one unit. */
const SAME_UNIT = { "cli.ts": ["cli/"], "cli/": ["cli.ts"] };

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** "stats/" matches everything under src/stats; "errors.ts" matches that file only. */
const unitPattern = (unit) => (unit.endsWith("/") ? escape(unit) : `${escape(unit)}$`);
const anyOf = (units) => `^src/(${units.map(unitPattern).join("|")})`;

const layerRules = LAYERS.flatMap((layer, level) => {
  const lower = LAYERS.slice(0, level).flat();
  return layer.map((unit) => ({
    name: `layer:${unit.replace(/\/$/, "")}`,
    comment:
      `src/${unit} may import only itself and the layers below it (${lower.join(", ") || "none"}); ` +
      "see LAYERS in .dependency-cruiser.cjs. An import upward or sideways makes a cycle between folders possible.",
    severity: "error",
    from: { path: `^src/${unitPattern(unit)}` },
    to: { path: "^src/", pathNot: anyOf([unit, ...(SAME_UNIT[unit] ?? []), ...lower]) },
  }));
});

/** Modules that touch the world: the disk, processes, a database, a model runtime, the network. */
const IO_MODULES = [
  "^(node:)?fs(/promises)?$",
  "^(node:)?child_process$",
  "(^|/)node_modules/(@types/)?(better-sqlite3|onnxruntime-node|undici|autocannon)/",
  "^src/store/",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A cycle between modules, type-only imports included. Break it by moving the shared part down a layer.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "not-in-a-layer",
      comment: "Every top-level file and folder of src/ belongs to a layer: add it to LAYERS in .dependency-cruiser.cjs.",
      severity: "error",
      from: { path: "^src/", pathNot: anyOf(LAYERS.flat()) },
      to: {},
    },
    {
      name: "pure-core-no-io",
      // Direct imports only: a reachability rule would also follow type-only imports, and
      // fingerprint/index.ts keeps the Fingerprint type beside the code that reads the machine.
      comment:
        "src/stats, src/accuracy, src/compare and src/report are pure functions of data (STYLE.md): they import nothing that " +
        "touches the disk, a process, the database, a model runtime or the network.",
      severity: "error",
      from: { path: "^src/(stats|accuracy|compare|report)/" },
      to: { path: IO_MODULES },
    },
    {
      name: "stats-self-contained",
      comment: "src/stats imports nothing outside itself except the seeded RNG (src/util/rng.ts) and simple-statistics (pure descriptive basics).",
      severity: "error",
      from: { path: "^src/stats/" },
      to: { pathNot: ["^src/stats/", "^src/util/rng\\.ts$", "(^|/)node_modules/simple-statistics/"] },
    },
    {
      name: "no-dev-deps-in-src",
      comment: "src/ ships: it may not import a devDependency (those are for tests and scripts).",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "no-tests-or-scripts-in-src",
      comment: "src/ ships: it may not import from test/ or scripts/.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|scripts)/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve escapes every rule above.",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
