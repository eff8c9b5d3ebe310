// What gathering the fingerprint costs on `bench run`'s startup path: a fresh process that imports
// dist/fingerprint/index.js and collects the fingerprint of suites/quickstart.yaml (6 models),
// minus `node -e 0`, alternated. Rows: hardware gathered (BENCH_FINGERPRINT_CACHE=0: a boot's
// first run) and read from this boot's cache (every later run).
// Usage: node perf/fingerprint-cost.mjs [ROUNDS=10]   (npm run build first)
// FINGERPRINT_BEFORE=path/to/another/fingerprint/index.js adds its row, alternated with these.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { alternate, minus, ROOT, spread, tempDir } from "./lib.mjs";

const rounds = Number(process.argv[2] ?? 10);
const dir = tempDir();
const models = JSON.stringify(
  Object.fromEntries(["cnn-fp16", "cnn-fp32", "cnn-int8", "mlp-fp16", "mlp-fp32", "mlp-int8"].map((m) => [m, path.join(ROOT, `suites/models/${m}.onnx`)])),
);
const script = (module) => {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    file,
    `const { collectFingerprint } = await import(${JSON.stringify(module)});\nawait collectFingerprint(${models}, ${JSON.stringify(path.join(ROOT, "suites"))}, ${JSON.stringify(path.join(ROOT, "suites/quickstart.yaml"))});\n`,
  );
  return [process.execPath, file];
};
const now = script(path.join(ROOT, "dist/fingerprint/index.js"));
const commands = {
  "node -e 0": [process.execPath, "-e", "0"],
  "fingerprint, hardware cached": now,
  "fingerprint, hardware gathered": ["env", "BENCH_FINGERPRINT_CACHE=0", ...now],
  ...(process.env.FINGERPRINT_BEFORE ? { "fingerprint (before)": script(path.resolve(process.env.FINGERPRINT_BEFORE)) } : {}),
};
const times = alternate(commands, rounds);
for (const [name, t] of Object.entries(times)) {
  if (name === "node -e 0") console.log(`${name.padEnd(32)} ${spread(t)} ms`);
  else console.log(`${name.padEnd(32)} ${spread(minus(t, times["node -e 0"]))} ms over node -e 0`);
}

// In one process, after the imports: the calls alone, alternated (min and median resist a loaded machine better).
const { collectFingerprint } = await import(path.join(ROOT, "dist/fingerprint/index.js"));
const before = process.env.FINGERPRINT_BEFORE ? (await import(path.resolve(process.env.FINGERPRINT_BEFORE))).collectFingerprint : undefined;
const args = [JSON.parse(models), path.join(ROOT, "suites"), path.join(ROOT, "suites/quickstart.yaml")];
const inProcess = { "in-process, hardware cached": [], ...(before ? { "in-process (before)": [] } : {}) };
for (let r = 0; r < rounds * 3; r++) {
  for (const [name, f] of Object.entries({ "in-process, hardware cached": collectFingerprint, ...(before ? { "in-process (before)": before } : {}) })) {
    const t0 = performance.now();
    await f(...args);
    inProcess[name].push(performance.now() - t0);
  }
}
for (const [name, t] of Object.entries(inProcess)) console.log(`${name.padEnd(32)} ${spread(t, 1)} ms`);
