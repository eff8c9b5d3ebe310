import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const MODEL = path.join(ROOT, "suites/models/mlp-fp32.onnx");
let child: ChildProcess | undefined;
let dir: string | undefined;

afterAll(() => {
  if (child?.exitCode === null) child.kill("SIGKILL");
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it("bench serve prints its URL and models on stderr, serves, and exits 0 on SIGINT", async () => {
  // serveCommand in a child process (through tsx), so that the signal goes to it and not to the test runner.
  dir = mkdtempSync(path.join(tmpdir(), "bench-serve-"));
  const script = path.join(dir, "serve.mts");
  const entry = pathToFileURL(path.join(ROOT, "src/cli/serve.ts")).href;
  const outcome = pathToFileURL(path.join(ROOT, "src/cli/outcome.ts")).href;
  writeFileSync(
    script,
    `import { serveCommand } from ${JSON.stringify(entry)};\n` +
      `import { exitCodeOf } from ${JSON.stringify(outcome)};\n` +
      `process.exitCode = exitCodeOf(await serveCommand(${JSON.stringify([MODEL])}, { port: 0, host: "127.0.0.1" }));\n`,
  );
  const proc = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  child = proc;
  let stderr = "";
  let stdout = "";
  proc.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL on stderr within 30 s: ${stderr}`)), 30_000);
    proc.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  expect(stderr).toContain("mlp-fp32");
  const res = await fetch(`${url}/v2/models/mlp-fp32/ready`);
  expect(res.status).toBe(200);
  const code = await new Promise<number | null>((resolve) => {
    proc.on("exit", (c) => resolve(c));
    proc.kill("SIGINT");
  });
  expect(code).toBe(0);
  expect(stdout).toBe("");
});
