import type { CellProfile, OperatorTime } from "../results.js";

/** onnxruntime's name of each provider a suite may ask for, as its profiler writes it. */
const PROVIDER_NAMES: Record<string, string> = {
  cpu: "CPUExecutionProvider",
  cuda: "CUDAExecutionProvider",
  tensorrt: "TensorrtExecutionProvider",
  webgpu: "WebGpuExecutionProvider",
  dml: "DmlExecutionProvider",
  coreml: "CoreMLExecutionProvider",
};

/** How many nodes a stored profile lists one by one (the slowest first); the operator totals count them all. */
export const PROFILE_NODES = 200;

interface TraceEvent {
  cat?: unknown;
  name?: unknown;
  dur?: unknown;
  ts?: unknown;
  args?: { op_name?: unknown; provider?: unknown };
}

const KERNEL = "_kernel_time";

/**
 * A cell's profile from onnxruntime's trace (Chrome trace format: a JSON array of events). Each
 * `cat: "Node"` event named `<node>_kernel_time` is one node's kernel in one call, with its
 * operator (`args.op_name`) and execution provider (`args.provider`). The calls are the
 * `model_run` Session events; the Node events of the first `warmup` calls (allocations, first
 * touches) are left out. Pure: parsed from the array, no I/O.
 */
export function parseProfileTrace(trace: unknown, requestedProvider: string, warmup: number): CellProfile {
  if (!Array.isArray(trace)) throw new Error("the profile is not a JSON array of trace events");
  const events = trace as TraceEvent[];
  const runs = events
    .filter((e) => e.cat === "Session" && e.name === "model_run" && typeof e.ts === "number" && typeof e.dur === "number")
    .map((e) => ({ start: e.ts as number, end: (e.ts as number) + (e.dur as number) }))
    .sort((a, b) => a.start - b.start);
  const from = warmup > 0 && runs.length > warmup ? (runs[warmup - 1] as { end: number }).end : -Infinity;
  const calls = Math.max(1, runs.length - (runs.length > warmup ? warmup : 0));
  const nodes = new Map<string, { name: string; op: string; provider: string; us: number }>();
  for (const e of events) {
    if (e.cat !== "Node" || typeof e.name !== "string" || !e.name.endsWith(KERNEL) || typeof e.dur !== "number") continue;
    if (typeof e.ts === "number" && e.ts < from) continue;
    const name = e.name.slice(0, -KERNEL.length);
    const op = typeof e.args?.op_name === "string" ? e.args.op_name : "?";
    const provider = typeof e.args?.provider === "string" ? e.args.provider : "?";
    const node = nodes.get(name) ?? { name, op, provider, us: 0 };
    node.us += e.dur;
    nodes.set(name, node);
  }
  const totalUs = [...nodes.values()].reduce((s, n) => s + n.us, 0);
  const byOp = new Map<string, OperatorTime>();
  const providers: Record<string, number> = {};
  for (const n of nodes.values()) {
    providers[n.provider] = (providers[n.provider] ?? 0) + 1;
    const key = `${n.op}\u0000${n.provider}`;
    const t = byOp.get(key) ?? { op: n.op, provider: n.provider, nodes: 0, meanUs: 0, share: 0 };
    t.nodes += 1;
    t.meanUs += n.us / calls;
    byOp.set(key, t);
  }
  const operators = [...byOp.values()]
    .map((t) => ({ ...t, share: totalUs > 0 ? (t.meanUs * calls) / totalUs : 0 }))
    .sort((a, b) => b.meanUs - a.meanUs || a.op.localeCompare(b.op));
  const requested = PROVIDER_NAMES[requestedProvider] ?? requestedProvider;
  const onCpu = [...nodes.values()].filter((n) => n.provider === PROVIDER_NAMES.cpu);
  return {
    calls,
    requested,
    kernelUs: totalUs / calls,
    operators,
    providers,
    nodes: [...nodes.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, PROFILE_NODES)
      .map((n) => ({ name: n.name, op: n.op, provider: n.provider, meanUs: n.us / calls })),
    fallback: requested === PROVIDER_NAMES.cpu ? null : { nodes: onCpu.length, of: nodes.size, ops: [...new Set(onCpu.map((n) => n.op))].sort() },
  };
}

/** A profile that shows the requested provider did not run every node. */
export function fellBack(p: CellProfile): boolean {
  return p.fallback !== null && p.fallback.nodes > 0;
}
