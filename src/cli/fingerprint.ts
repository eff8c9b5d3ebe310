import path from "node:path";
import { collectFingerprint } from "../fingerprint/index.js";
import { loadSuite } from "../suite/load.js";
import { modelFiles } from "../suite/resolve.js";
import { type Outcome, OK } from "./outcome.js";

export interface FingerprintOptions {
  json?: boolean;
}

export async function fingerprintCommand(suiteFile: string | undefined, opts: FingerprintOptions): Promise<Outcome> {
  let models: Record<string, string> = {};
  let cwd = process.cwd();
  if (suiteFile) {
    const suite = loadSuite(suiteFile);
    models = modelFiles(suite);
    cwd = path.dirname(suite.file);
  }
  const fp = await collectFingerprint(models, cwd);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(fp, null, 2)}\n`);
    return OK;
  }
  const lines = [
    `host      ${fp.host.hostname}`,
    `cpu       ${fp.host.cpuModel} (${fp.host.logicalCores} logical cores, ${fp.host.cpuSpeedMHz} MHz)`,
    `memory    ${(fp.host.memoryBytes / 2 ** 30).toFixed(1)} GiB`,
    `os        ${fp.host.os} (${fp.host.platform} ${fp.host.arch}, kernel ${fp.host.kernel})`,
    `runtime   node ${fp.runtime.node}, onnxruntime-node ${fp.runtime.onnxruntime}, bench ${fp.runtime.bench}`,
    `git       ${fp.git ? `${fp.git.commit}${fp.git.dirty ? " (dirty)" : ""}${fp.git.branch ? ` on ${fp.git.branch}` : ""}` : "not a git checkout"}`,
    ...Object.entries(fp.models).map(([name, m]) => `model     ${name}  sha256:${m.sha256}  ${m.bytes} bytes`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return OK;
}
