import Table from "cli-table3";
import type { FieldDifference } from "../compare/env.js";
import type { Fingerprint, Frequency } from "../fingerprint/index.js";

const GiB = 2 ** 30;

function frequencyText(f: Frequency): string {
  return f.mhz !== null ? `${f.mhz} MHz (${f.source ?? "?"})` : `unknown (${f.reason ?? "not reported"})`;
}

function bytes(n: number | null): string {
  if (n === null) return "?";
  return n >= 2 ** 20 ? `${n / 2 ** 20} MiB` : `${n / 2 ** 10} KiB`;
}

/** `bench fingerprint`: one line per part; the parts an older run does not record are left out. */
export function renderFingerprint(fp: Fingerprint): string {
  const { host, cpu, system, gpus } = fp;
  const lines = [`host       ${host.hostname}`];
  if (cpu) {
    lines.push(
      `cpu        ${host.cpuModel} (${cpu.vendor}), ${cpu.physicalCores} physical / ${host.logicalCores} logical cores`,
      `clock      base ${frequencyText(cpu.baseMHz)}, max ${frequencyText(cpu.maxMHz)}`,
      `flags      ${cpu.flags.join(" ") || "(none of the inference extensions)"}`,
      `caches     L1d ${bytes(cpu.caches.l1dBytes)}, L1i ${bytes(cpu.caches.l1iBytes)}, L2 ${bytes(cpu.caches.l2Bytes)}, L3 ${bytes(cpu.caches.l3Bytes)}`,
      `governor   ${cpu.governor.value ?? `unknown (${cpu.governor.reason ?? "not readable"})`}`,
    );
  } else lines.push(`cpu        ${host.cpuModel} (${host.logicalCores} logical cores${host.cpuSpeedMHz ? `, ${host.cpuSpeedMHz} MHz` : ""})`);
  lines.push(`memory     ${(host.memoryBytes / GiB).toFixed(1)} GiB`, `os         ${host.os} (${host.platform} ${host.arch}, kernel ${host.kernel})`);
  if (system)
    lines.push(
      `machine    ${system.virtualization ? `virtual (${system.virtualization})` : "bare metal or unknown"}${system.container ? `, in a ${system.container} container` : ""}`,
    );
  if (gpus) {
    if (gpus.length === 0) lines.push("gpu        none found");
    for (const g of gpus) lines.push(`gpu        ${g.vendor} ${g.model}${g.memoryMB ? `, ${g.memoryMB} MB` : ""}${g.driver ? `, driver ${g.driver}` : ""}`);
  }
  lines.push(`runtime    node ${fp.runtime.node} (v8 ${fp.runtime.v8}), onnxruntime-node ${fp.runtime.onnxruntime}, bench ${fp.runtime.bench}`);
  lines.push(
    `packages   ${Object.entries(fp.dependencies)
      .map(([n, v]) => `${n}@${v}`)
      .join(" ")}`,
  );
  if (fp.lockfile !== undefined) lines.push(`lockfile   ${fp.lockfile ? `${fp.lockfile.file} sha256:${fp.lockfile.sha256}` : "none"}`);
  if (fp.env !== undefined) {
    const env = Object.entries(fp.env);
    lines.push(
      `env        ${env.length > 0 ? env.map(([k, v]) => `${k}=${v}`).join(" ") : "(no OMP_*, MKL_*, ORT_*, CUDA_VISIBLE_DEVICES, NODE_OPTIONS, UV_THREADPOOL_SIZE set)"}`,
    );
  }
  const git = fp.git;
  lines.push(`git        ${git ? `${git.commit}${git.dirty ? " (dirty)" : ""}${git.branch ? ` on ${git.branch}` : ""}` : "not a git checkout"}`);
  if (fp.suite) lines.push(`suite      ${fp.suite.file}  sha256:${fp.suite.sha256}`);
  for (const [name, m] of Object.entries(fp.models)) lines.push(`model      ${name}  sha256:${m.sha256}  ${m.bytes} bytes`);
  for (const [name, d] of Object.entries(fp.data ?? {})) lines.push(`data       ${name}  sha256:${d.sha256}  ${d.bytes} bytes`);
  return `${lines.join("\n")}\n`;
}

/** `bench fingerprint --diff A B`: each changed field with its tolerance class, must-match first. */
export function renderFingerprintDiff(base: string, head: string, diffs: readonly FieldDifference[]): string {
  if (diffs.length === 0) return `${base} → ${head}: the fingerprints are the same\n`;
  const rank = { "must-match": 0, "should-match": 1, informational: 2 } as const;
  const sorted = [...diffs].sort((a, b) => rank[a.class] - rank[b.class]);
  const table = new Table({ head: ["field", "class", base, head], style: { head: [], border: [], compact: true } });
  for (const d of sorted) table.push([d.field, d.recorded ? d.class : `${d.class} (not compared)`, d.base, d.head]);
  const must = diffs.filter((d) => d.class === "must-match" && d.recorded).length;
  const summary =
    must > 0 ? `${must} must-match field(s) differ: these runs were not measured on the same kind of machine and software` : "no must-match field differs";
  return `${base} → ${head}: ${diffs.length} field(s) differ; ${summary}\n${table.toString()}\n`;
}
