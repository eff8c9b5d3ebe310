import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { cachedSuite, storeSuite, SUITE_BUILD } from "../src/suite/cache.js";
import { loadSuite, readSuite } from "../src/suite/load.js";
import { inspectModelCached } from "../src/runners/model-cache.js";
import { privateCacheDir } from "../src/util/private-cache.js";
import type { ModelInput } from "../src/inputs/plan.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";

/**
 * The caches of what `bench run` works out before it measures (suite/cache.ts, runners/model-cache.ts):
 * a hit is exactly what the work gives, anything that could change the result is a miss, and a
 * cache that is corrupt, foreign or unwritable costs nothing but the miss.
 */
const dir = tempDir("bench-suite-cache-");
// The caches live under the system's temporary directory: this file's own, for the whole file.
const tmp = path.join(dir, "tmp");
mkdirSync(tmp);
const saved = { TMPDIR: process.env.TMPDIR, TOKEN: process.env.BENCH_TEST_TOKEN, OFF: process.env.BENCH_SUITE_CACHE };
process.env.TMPDIR = tmp;
Reflect.deleteProperty(process.env, "BENCH_SUITE_CACHE");
afterAll(() => {
  for (const [name, value] of [
    ["TMPDIR", saved.TMPDIR],
    ["BENCH_TEST_TOKEN", saved.TOKEN],
    ["BENCH_SUITE_CACHE", saved.OFF],
  ] as const) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
});

const MLP = path.join(ROOT, "suites/models/mlp-fp32.onnx");
const text = (name: string) =>
  `name: ${name}\ndescription: cached\ntargets:\n  m: { kind: onnx, variants: { fp32: ${MLP} } }\n` +
  "  r:\n    kind: http\n    protocol: json\n    url: http://127.0.0.1:9/${BENCH_TEST_TOKEN:-x}/v1\n    body: '{\"x\": {{flat:x}}}'\n" +
  "    inputs: { x: { shape: [batch, 4], dtype: float32 } }\n" +
  "matrix: { batch: [1, 2] }\nmeasure: { minIterations: 20, maxIterations: 50 }\nslo: ['p99 <= 50ms']\n";

let n = 0;
const write = (content: string) => {
  const file = path.join(dir, `s${n++}.yaml`);
  writeFileSync(file, content);
  return file;
};
/** Load `file` as the worker does and keep it. */
const loadAndStore = (file: string) => {
  const { suite, bytes } = readSuite(file);
  storeSuite(file, bytes, suite);
  return suite;
};

beforeEach(() => {
  rmSync(privateCacheDir(), { recursive: true, force: true });
});

describe("the suite cache", () => {
  it("gives back a suite deep-equal to a fresh validation, as a copy of its own", () => {
    const file = write(text("one"));
    expect(cachedSuite(file)).toBeUndefined();
    loadAndStore(file);
    const hit = cachedSuite(file);
    expect(hit).toStrictEqual(loadSuite(file));
    expect(hit?.slo?.length).toBe(1);
    // A copy: changing it (planSuites sets --seed) leaves the next hit alone.
    if (hit) hit.seed = 12345;
    expect(cachedSuite(file)?.seed).toBe(loadSuite(file).seed);
    // Kept where only this user can read and write it.
    expect(statSync(privateCacheDir()).mode & 0o777).toBe(0o700);
  });

  it("misses when the file's bytes, its path, or a variable it names change; not for a variable it does not name", () => {
    const file = write(text("two"));
    loadAndStore(file);
    process.env.BENCH_UNRELATED_VARIABLE = "1";
    expect(cachedSuite(file)).toBeDefined();
    delete process.env.BENCH_UNRELATED_VARIABLE;
    process.env.BENCH_TEST_TOKEN = "secret";
    expect(cachedSuite(file)).toBeUndefined();
    loadAndStore(file);
    expect(cachedSuite(file)).toBeDefined();
    process.env.BENCH_TEST_TOKEN = "other";
    expect(cachedSuite(file)).toBeUndefined();
    delete process.env.BENCH_TEST_TOKEN;
    // Same text, another file: its own entry (paths resolve against its directory).
    const copy = write(text("two"));
    expect(cachedSuite(copy)).toBeUndefined();
    // One byte more.
    writeFileSync(file, `${text("two")}# changed\n`);
    expect(cachedSuite(file)).toBeUndefined();
    expect(loadAndStore(file).name).toBe("two");
    expect(cachedSuite(file)).toStrictEqual(loadSuite(file));
  });

  it("misses when a trace the suite replays changes", () => {
    const trace = path.join(dir, "t.jsonl");
    writeFileSync(trace, '{"timestamp": 0}\n{"timestamp": 100}\n{"timestamp": 250}\n');
    const file = write(
      "name: traced\ntargets:\n  r:\n    kind: http\n    protocol: json\n    url: http://127.0.0.1:9/v1\n    body: '{\"x\": {{flat:x}}}'\n" +
        "    inputs: { x: { shape: [batch, 4], dtype: float32 } }\nmatrix: { rate: [10] }\nload: { arrival: trace, trace: t.jsonl }\n",
    );
    loadAndStore(file);
    expect(cachedSuite(file)).toStrictEqual(loadSuite(file));
    writeFileSync(trace, '{"timestamp": 0}\n{"timestamp": 100}\n{"timestamp": 900}\n');
    expect(cachedSuite(file)).toBeUndefined();
  });

  it("misses when a module the loading is made of changes (bench's build)", () => {
    const file = write(text("three"));
    loadAndStore(file);
    const module = path.join(ROOT, "src/suite/names.ts");
    const { atime, mtime } = statSync(module);
    try {
      utimesSync(module, atime, new Date(mtime.getTime() + 5000));
      expect(cachedSuite(file)).toBeUndefined();
    } finally {
      utimesSync(module, atime, mtime);
    }
    // (Restored to the millisecond: what was below it is lost, so the entry is made again.)
    loadAndStore(file);
    expect(cachedSuite(file)).toBeDefined();
  });

  it("ignores a corrupt or torn entry, and a suite stored for another file", () => {
    const file = write(text("four"));
    loadAndStore(file);
    const [entry] = readdirSync(privateCacheDir()).map((f) => path.join(privateCacheDir(), f));
    const bytes = readFileSync(entry as string);
    for (const broken of [Buffer.from("not a cache entry"), bytes.subarray(0, bytes.length - 7), Buffer.alloc(0)]) {
      writeFileSync(entry as string, broken);
      expect(cachedSuite(file)).toBeUndefined();
    }
    // A flipped byte in the stored suite fails its digest.
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] as number) ^ 0xff;
    writeFileSync(entry as string, flipped);
    expect(cachedSuite(file)).toBeUndefined();
    writeFileSync(entry as string, bytes);
    expect(cachedSuite(file)).toStrictEqual(loadSuite(file));
  });

  it("is harmless when its directory cannot be used: a file in its place, or a directory others can write to", () => {
    const file = write(text("five"));
    writeFileSync(privateCacheDir(), "in the way");
    expect(() => loadAndStore(file)).not.toThrow();
    expect(cachedSuite(file)).toBeUndefined();
    rmSync(privateCacheDir());
    loadAndStore(file);
    chmodSync(privateCacheDir(), 0o777);
    expect(cachedSuite(file)).toBeUndefined();
    chmodSync(privateCacheDir(), 0o700);
    expect(cachedSuite(file)).toBeDefined();
  });

  it("is off with BENCH_SUITE_CACHE=0", () => {
    const file = write(text("six"));
    process.env.BENCH_SUITE_CACHE = "0";
    try {
      loadAndStore(file);
      expect(readdirSync(tmp)).not.toContain(path.basename(privateCacheDir()));
      expect(cachedSuite(file)).toBeUndefined();
    } finally {
      delete process.env.BENCH_SUITE_CACHE;
    }
  });

  it("is keyed on every module loadSuite imports: all of them in SUITE_BUILD, and only load.ts and trace.ts read files", () => {
    const src = path.join(ROOT, "src");
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, "utf8");
      for (const m of code.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+"([^"]+)"/gms)) {
        const spec = m[1] as string;
        if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
        else if (!spec.startsWith("node:")) packages.add(spec);
      }
    };
    visit(path.join(src, "suite/load.ts"));
    const modules = [...seen].map((f) => path.relative(src, f).replace(/\.ts$/, ""));
    expect(modules.length).toBeGreaterThan(10);
    const covered = (m: string) =>
      (SUITE_BUILD.files as readonly string[]).includes(m) || (SUITE_BUILD.dirs as readonly string[]).includes(m.split("/")[0] as string);
    expect(modules.filter((m) => !covered(m))).toEqual([]);
    expect([...packages].filter((p) => !(SUITE_BUILD.packages as readonly string[]).includes(p))).toEqual([]);
    const readers = modules.filter((m) => /\b(readCheckedFile|readFileSync|readFile|openSync)\(/.test(readFileSync(path.join(src, `${m}.ts`), "utf8")));
    expect(readers.filter((m) => m !== "suite/files").sort()).toEqual(["suite/load", "suite/trace"]);
  });
});

describe("the cache of a model's inputs", () => {
  const inputs: ModelInput[] = [{ name: "x", type: "float32", shape: ["batch", 4] }];

  it("inspects a model once while it is unchanged, again after it changes, and never keeps a failure", async () => {
    const model = path.join(dir, "m.onnx");
    writeFileSync(model, readFileSync(MLP));
    let calls = 0;
    const inspect = async () => {
      calls++;
      return inputs;
    };
    expect(await inspectModelCached(model, inspect)).toEqual(inputs);
    expect(await inspectModelCached(model, inspect)).toEqual(inputs);
    expect(calls).toBe(1);
    const { atime, mtime } = statSync(model);
    utimesSync(model, atime, new Date(mtime.getTime() + 5000));
    expect(await inspectModelCached(model, inspect)).toEqual(inputs);
    expect(calls).toBe(2);
    // Rewritten with the same bytes and times: the change time moved.
    writeFileSync(model, readFileSync(MLP));
    utimesSync(model, atime, new Date(mtime.getTime() + 5000));
    await inspectModelCached(model, inspect);
    expect(calls).toBe(3);

    const bad = path.join(dir, "bad.onnx");
    writeFileSync(bad, "not a model");
    const failing = async (): Promise<ModelInput[]> => {
      calls++;
      throw new Error("not a model");
    };
    await expect(inspectModelCached(bad, failing)).rejects.toThrow("not a model");
    await expect(inspectModelCached(bad, failing)).rejects.toThrow("not a model");
    expect(calls).toBe(5);
  });
});

describe("bench run with the caches", () => {
  it("runs a suite from the caches the second time, with the same results' shape; a bad file is reported as without them", async () => {
    const env = { TMPDIR: tmp };
    const file = write(
      `name: e2e\nseed: 1\ntargets:\n  m: { kind: onnx, variants: { fp32: ${MLP} } }\n` +
        "measure: { warmupIterations: 2, minIterations: 20, maxIterations: 20, minTimeMs: 0 }\ntrials: { min: 1, max: 1 }\n",
    );
    const db = path.join(dir, "e2e.db");
    const run = (...args: string[]) => bench(["run", file, "-q", "--db", db, "--debug-runner", "fake", "--json", ...args], { env });
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    expect(
      readdirSync(privateCacheDir())
        .map((f) => f.split("-")[0])
        .sort(),
    ).toEqual(["model", "suite"]);
    const entries = () => readdirSync(privateCacheDir()).map((f) => [f, statSync(path.join(privateCacheDir(), f)).mtimeMs]);
    const kept = entries();
    const second = await run();
    expect(second.code, second.stderr).toBe(0);
    // Both came from the caches: neither was written again.
    expect(entries()).toEqual(kept);
    const cells = (out: string) => (JSON.parse(out) as { cells: { id: string; status: string }[] }).cells.map((c) => [c.id, c.status]);
    expect(cells(second.stdout)).toEqual(cells(first.stdout));
    // A bad version of the same file: the very message and exit code of a run without the cache.
    writeFileSync(file, `${readFileSync(file, "utf8")}measure: 3\n`);
    const bad = await run();
    const off = await bench(["run", file, "-q", "--db", db, "--debug-runner", "fake"], { env: { ...env, BENCH_SUITE_CACHE: "0" } });
    expect(bad.code).toBe(2);
    expect([off.code, off.stderr]).toEqual([2, bad.stderr]);
    expect(bad.stderr).toMatch(/measure/);
    expect(entries()).toEqual(kept);
  }, 60_000);
});
