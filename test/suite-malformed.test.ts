import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planSuites } from "../src/cli/plan.js";
import { UserError } from "../src/errors.js";
import { fsProblem } from "../src/suite/files.js";
import { loadSuite } from "../src/suite/load.js";
import { encodeModel, node, valueInfo } from "../scripts/models/proto.js";
import { bench, ROOT, tempDir } from "./helpers/cli.js";

/**
 * The malformed-suite corpus (issue 10): every file in test/fixtures/malformed-suites/index.json
 * with the exit code `bench validate` must give and the key path (and words) its message must
 * name. Checked in process through what validate runs (load, schema, model checks), a few of them
 * again through the real CLI.
 */
const FIXTURES = path.join(ROOT, "test/fixtures/malformed-suites");

interface Expected {
  exit: 0 | 2;
  class: string;
  mustName: string;
  mustMatch?: string;
}
const index = JSON.parse(readFileSync(path.join(FIXTURES, "index.json"), "utf8")) as Record<string, Expected>;

/** What `bench validate FILE` would do, in process: 0, or 2 with the problem lines; anything else thrown is a crash. */
async function validate(file: string): Promise<{ exit: 0 | 2; lines: string[] }> {
  try {
    await planSuites([file], {});
    return { exit: 0, lines: [] };
  } catch (err) {
    if (err instanceof UserError) return { exit: 2, lines: err.message.split("\n") };
    throw err;
  }
}

/** Every line names the file and is one readable line; one of them names the key path. */
function expectClear(file: string, lines: string[], mustName: string, mustMatch?: string) {
  for (const line of lines) {
    expect(line.startsWith(`${file}: `), line).toBe(true);
    expect(line.slice(file.length)).not.toMatch(/^\s+at |\[object Object\]|undefined/);
    expect(line.length).toBeLessThanOrEqual(500);
  }
  const naming = lines.filter((l) => l.includes(mustName) && (mustMatch === undefined || l.includes(mustMatch)));
  expect(naming, `no line names '${mustName}'${mustMatch ? ` with '${mustMatch}'` : ""}:\n${lines.join("\n")}`).not.toHaveLength(0);
}

describe("the malformed-suite corpus", () => {
  it("has at least 80 malformed suites, each file listed once", () => {
    expect(Object.values(index).filter((e) => e.exit === 2).length).toBeGreaterThanOrEqual(80);
  });

  it.each(Object.entries(index))("%s", async (name, expected) => {
    const file = path.join(FIXTURES, name);
    const { exit, lines } = await validate(file);
    expect(exit, lines.join("\n")).toBe(expected.exit);
    if (expected.exit === 2) expectClear(file, lines, expected.mustName, expected.mustMatch);
  });
});

describe("suite files that cannot be fixtures", () => {
  const dir = tempDir("bench-malformed-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const message = (file: string) => {
    try {
      loadSuite(file);
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      return (err as Error).message;
    }
    throw new Error(`${file} loaded`);
  };

  it("a missing file, an empty name and a directory", () => {
    expect(message(path.join(dir, "nope.yaml"))).toBe(`${path.join(dir, "nope.yaml")}: no such suite file`);
    expect(message("")).toBe("'': the suite file name is empty");
    expect(message(dir)).toBe(`${dir}: is a directory; expected a suite file`);
  });

  it("a FIFO is refused at once instead of blocking the read forever", () => {
    const fifo = path.join(dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    expect(message(fifo)).toBe(`${fifo}: is not a regular file (a named pipe); give the path of a suite file`);
  });

  it("a file over 1 MiB is refused before it is parsed", () => {
    const big = path.join(dir, "big.yaml");
    const content = `name: t\ndescription: "${"x".repeat(1024 * 1024)}"\n`;
    writeFileSync(big, content);
    expect(message(big)).toBe(`${big}: is ${content.length} bytes; a suite file is at most 1048576 bytes (1 MiB)`);
  });

  it("40,000 keys in one mapping: one clear error, the extra problems counted, not listed", () => {
    const many = path.join(dir, "many.yaml");
    writeFileSync(many, `name: t\ntargets: {}\nmeasure:\n${Array.from({ length: 40_000 }, (_, i) => `  k${i}: ${i}\n`).join("")}`);
    const lines = message(many).split("\n");
    expect(lines.length).toBeLessThanOrEqual(21);
    expect(lines[0]).toMatch(/many\.yaml: /);
    expect(lines.at(-1)).toMatch(/many\.yaml: … and \d+ more problems; fix the ones above first$/);
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable file says permission denied", () => {
    const locked = path.join(dir, "locked.yaml");
    writeFileSync(locked, "name: t\n");
    chmodSync(locked, 0o000);
    expect(message(locked)).toMatch(/locked\.yaml: cannot be read: permission denied/);
  });

  it("fs errors become what to do (EACCES cannot be made as root, so the mapping is checked directly)", () => {
    const error = (code: string) => Object.assign(new Error(code), { code });
    expect(fsProblem(error("EACCES"), "suite")).toBe("cannot be read: permission denied; check the file's and its directories' permissions");
    expect(fsProblem(error("EISDIR"), "suite")).toBe("is a directory; expected a suite file");
    expect(fsProblem(error("ELOOP"), "suite")).toMatch(/symbolic link that loops/);
    expect(fsProblem(error("EIO"), "suite")).toBe("cannot be read (EIO)");
  });
});

describe("dims is shared by a target's variants", () => {
  const dir = tempDir("bench-dims-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const model = (file: string, shape: (number | string)[]) =>
    writeFileSync(
      path.join(dir, file),
      encodeModel({
        graphName: "identity",
        docString: "",
        nodes: [node("Identity", "id", ["x"], ["y"])],
        initializers: [],
        inputs: [valueInfo("x", "float32", shape)],
        outputs: [valueInfo("y", "float32", shape)],
        metadata: [],
      }),
    );

  it("a key one variant's model names is not unknown for the others; a key none names is, once", async () => {
    model("named.onnx", ["batch", "height"]);
    model("fixed.onnx", ["batch", 4]);
    const suite = (dims: string) => {
      const file = path.join(dir, `dims-${dims}.yaml`);
      writeFileSync(file, `name: t\ntargets:\n  m:\n    kind: onnx\n    variants: { a: named.onnx, b: fixed.onnx }\n    dims: { ${dims}: 4 }\n`);
      return file;
    };
    expect(await validate(suite("height"))).toEqual({ exit: 0, lines: [] });
    // The misspelt key is unknown (once, not per variant), and the dimension it meant is unresolved.
    const file = suite("heigth");
    const { exit, lines } = await validate(file);
    expect(exit).toBe(2);
    expect(lines.filter((l) => l.includes("dims.heigth"))).toEqual([
      `${file}: targets.m.dims.heigth: no input of the model has a dimension named 'heigth'; did you mean "height"?`,
    ]);
    expect(lines.some((l) => l.includes("set dims.height"))).toBe(true);
  });
});

/** The same classes through the built CLI: exit 2, one `bench: FILE: key: message` line each, no stack. */
describe("bench validate on malformed suites", () => {
  const dir = tempDir("bench-malformed-cli-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function expectExit2(args: string[], pattern: RegExp) {
    const r = await bench(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(r.stdout).toBe("");
  }

  it.each([
    ["typo-varaints.yaml", /targets\.mlp\.varaints: unknown key; did you mean "variants"\?\n$/],
    ["billion-laughs.yaml", /lol\d\[\d\]: the document has more than 100,000 values once its aliases are expanded/],
    ["utf16le-bom.yaml", /is UTF-16 text .*save it as UTF-8/],
    ["maxIterations-1e10.yaml", /measure\.maxIterations: must be a whole number from 1 to 10000000 \(got 10000000000\)\n$/],
    ["model-empty.yaml", /targets\.mlp\.variants\.fp32: models\/empty\.onnx is empty \(0 bytes\)/],
    ["dtype-int64-for-float32.yaml", /targets\.mlp\.inputs\.input\.dtype: is int64 but the model's input 'input' takes float32/],
  ])("%s", async (name, pattern) => {
    await expectExit2(
      ["validate", path.join("test/fixtures/malformed-suites", name)],
      new RegExp(`^bench: test/fixtures/malformed-suites/${name.replaceAll(".", "\\.")}: ${pattern.source}`),
    );
  });

  it("a FIFO as the suite exits 2 instead of hanging", async () => {
    const fifo = path.join(dir, "pipe.yaml");
    mkdirSync(dir, { recursive: true });
    execFileSync("mkfifo", [fifo]);
    await expectExit2(["validate", fifo], /is not a regular file \(a named pipe\)/);
  });

  it("--seed must be a 32-bit whole number and --baseline must not be empty", async () => {
    const suite = "test/fixtures/malformed-suites/valid-minimal.yaml";
    await expectExit2(["run", suite, "--seed", "1e30", "--db", path.join(dir, "r.db")], /--seed.*expected a whole number from 0 to 4294967295/);
    await expectExit2(
      ["run", suite, "--baseline", "", "--db", path.join(dir, "r.db")],
      /--baseline.*expected a baseline name such as main, got an empty value/,
    );
  });
});
