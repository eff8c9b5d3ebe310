import { copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bench, ROOT, tempDir } from "./helpers/cli.js";

/** Bad input: one clear line per problem on stderr naming file and key, exit code 2, no stack trace. */
describe("bad input exits 2 with a clear message", () => {
  const dir = tempDir();
  const db = path.join(dir, "r.db");
  const suite = (name: string, body: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, body);
    return file;
  };
  const good = (variants: string, extra = "") => `name: t\ntargets:\n  mlp:\n    kind: onnx\n    variants: ${variants}\n${extra}`;

  beforeAll(() => {
    copyFileSync(path.join(ROOT, "suites/models/mlp-fp32.onnx"), path.join(dir, "mlp.onnx"));
    writeFileSync(path.join(dir, "junk.onnx"), "this is not a protobuf model\n".repeat(10));
  });

  async function expectUserError(args: string[], pattern: RegExp) {
    const r = await bench(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe("");
    return r;
  }

  it("a missing suite file", async () => {
    const missing = path.join(dir, "nope.yaml");
    await expectUserError(["run", missing, "--db", db], new RegExp(`^bench: ${missing}: no such suite file\\n$`));
  });

  it("invalid YAML, with its line", async () => {
    const f = suite("bad.yaml", "name: t\ntargets: [a, b\n");
    await expectUserError(["validate", f], /bad\.yaml: line \d+, column \d+: invalid YAML: /);
  });

  it("an unknown key", async () => {
    const f = suite("unknown.yaml", good("{ fp32: mlp.onnx }", "measure:\n  warmpu: 3\n"));
    await expectUserError(["run", f, "--db", db], /unknown\.yaml: measure\.warmpu: unknown key; did you mean "warmupIterations"\?$/m);
  });

  it("a wrong type", async () => {
    const f = suite("type.yaml", good("{ fp32: mlp.onnx }", "matrix:\n  batch: [1, eight]\n"));
    await expectUserError(["validate", f], /type\.yaml: matrix\.batch\[1\]: expected a number, received a string \("eight"\)$/m);
  });

  it("a missing model file", async () => {
    const f = suite("missing-model.yaml", good("{ fp32: models/absent.onnx }"));
    await expectUserError(["run", f, "--db", db], /missing-model\.yaml: targets\.mlp\.variants\.fp32: model file not found: models\/absent\.onnx/);
  });

  it("a file that is not an ONNX model", async () => {
    const f = suite("junk.yaml", good("{ fp32: junk.onnx }"));
    await expectUserError(["validate", f], /junk\.yaml: targets\.mlp\.variants\.fp32: junk\.onnx is not a loadable ONNX model \(onnxruntime: .+\)$/m);
  });

  it("an input name the model does not have", async () => {
    const f = suite("input.yaml", good("{ fp32: mlp.onnx }", "    inputs:\n      pixels: { fill: zeros }\n"));
    await expectUserError(["run", f, "--db", db], /input\.yaml: targets\.mlp\.inputs\.pixels: the model has no input 'pixels' \(it has: input\)/);
  });

  it("every problem of a suite at once, one line each", async () => {
    const f = suite("many.yaml", "name: t\ntargets:\n  mlp:\n    kind: onnx\n    variants: { fp32: 3 }\n    colour: red\nmatrix: { threads: [0] }\n");
    const r = await expectUserError(["validate", f], /many\.yaml/);
    expect(r.stderr.trim().split("\n").length).toBe(3);
  });

  it("an unknown run, an ambiguous flag value, an unknown option", async () => {
    await bench([
      "run",
      suite("ok.yaml", good("{ fp32: mlp.onnx }", "measure: { maxIterations: 30, maxTimeMs: 50, minTimeMs: 0, minIterations: 10 }\n")),
      "--db",
      db,
      "-q",
    ]);
    await expectUserError(["show", "ffffffffff", "--db", db], /ffffffffff: no run with this id/);
    await expectUserError(["list", "--db", db, "--limit", "zero"], /--limit.*expected a whole number from 1 to/);
    await expectUserError(["run", "--bogus"], /unknown option '--bogus'/);
    await expectUserError(["show", "latest", "--db", path.join(dir, "absent.db")], /absent\.db: no results database here yet/);
  });

  it("validate says ok for a good suite and exits 0", async () => {
    const r = await bench(["validate", path.join(ROOT, "suites/quickstart.yaml")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/quickstart\.yaml: ok \(suite 'quickstart': 2 targets, 6 model variants, 36 cells\)/);
  });
});
