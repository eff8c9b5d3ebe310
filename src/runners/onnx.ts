import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import ort from "onnxruntime-node";
import type { GeneratedTensor } from "../inputs/generate.js";
import { generateTensor } from "../inputs/generate.js";
import { feedSets, readSamples } from "../inputs/files.js";
import type { ModelInput, TensorPlan } from "../inputs/plan.js";
import { planInputs } from "../inputs/plan.js";
import { variantInputs } from "../suite/resolve.js";
import type { PlannedCell } from "../suite/expand.js";
import type { ResolvedOnnxTarget } from "../suite/resolve.js";
import type { Provider } from "../suite/schema.js";
import { runLocalLoad } from "./local-load.js";
import { type PreparedCell, ProviderUnavailableError, type Runner } from "./runner.js";
import { nsToMs } from "../stats/metrics.js";

type SessionOptions = ort.InferenceSession.SessionOptions;

const requireHere = createRequire(import.meta.url);

/** onnxruntime-node's name for each provider a suite may ask for. */
const ORT_PROVIDER: Record<Provider, string> = {
  cpu: "cpu",
  cuda: "cuda",
  tensorrt: "tensorrt",
  webgpu: "webgpu",
  dml: "dml",
  coreml: "coreml",
};

/**
 * Providers this onnxruntime-node can use here. A provider listed as not bundled (cuda, tensorrt)
 * needs its shared library beside the binding, which onnxruntime-node's install script downloads
 * unless told not to; without it, session creation fails, so it counts as unavailable.
 */
export function availableProviders(): string[] {
  const dirs = bindingDirs();
  return ort
    .listSupportedBackends()
    .filter((b) => b.bundled || dirs.some((d) => existsSync(path.join(d, providerLibrary(b.name)))))
    .map((b) => b.name);
}

/** bin/napi-v*\/PLATFORM/ARCH of the installed onnxruntime-node. */
function bindingDirs(): string[] {
  try {
    const bin = path.join(path.dirname(requireHere.resolve("onnxruntime-node/package.json")), "bin");
    return readdirSync(bin).map((napi) => path.join(bin, napi, process.platform, process.arch));
  } catch {
    return [];
  }
}

function providerLibrary(name: string): string {
  if (process.platform === "win32") return `onnxruntime_providers_${name}.dll`;
  return `libonnxruntime_providers_${name}.${process.platform === "darwin" ? "dylib" : "so"}`;
}

/**
 * A one-node model (Identity, float32 [1]; ONNX IR 8, opset 17), encoded with scripts/models/proto.ts.
 * Its only use is warmUpRuntime.
 */
const IDENTITY_MODEL = "CAgSDGJlbmNoLW1vZGVscxoBMTIAOjsKEwoBeBIBeRoBbiIISWRlbnRpdHkSAmlkWg8KAXgSCgoICAESBAoCCAFiDwoBeRIKCggIARIECgIIAUIECgAQEQ==";

/**
 * onnxruntime's environment set up now (its first session costs ~50 ms more than the next ones):
 * `bench run`'s main thread does it while its suites are validated in a worker, so that the model
 * check that follows pays only for the models (the run's fixed cost, docs/perf/cli.md). Measures
 * nothing; a failure is left for the model check to report.
 */
export async function warmUpRuntime(): Promise<void> {
  const session = await ort.InferenceSession.create(Buffer.from(IDENTITY_MODEL, "base64"), INSPECT_OPTIONS);
  await session.release();
}

/**
 * A session made only to be read: no graph optimization and no thread pools to start, which halves
 * its making for PaddleOCR det (~140 to ~70 ms here); onnxruntime still checks the graph and finds
 * a kernel for every node, so a model it cannot run is still refused.
 */
const INSPECT_OPTIONS: SessionOptions = {
  graphOptimizationLevel: "disabled",
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  logSeverityLevel: 3,
};

/** Read a model's input metadata. Throws onnxruntime's error when the file is not a loadable model. */
export async function inspectModel(modelPath: string): Promise<ModelInput[]> {
  const session = await ort.InferenceSession.create(modelPath, INSPECT_OPTIONS);
  try {
    return inputMetadata(session);
  } finally {
    await session.release();
  }
}

/** A session's inputs as the input planner reads them (inputs/plan.ts ModelInput). */
export function inputMetadata(session: ort.InferenceSession): ModelInput[] {
  return session.inputMetadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: undefined, shape: [] }));
}

function ortProvider(provider: string): string {
  return provider in ORT_PROVIDER ? ORT_PROVIDER[provider as Provider] : provider;
}

export function sessionOptions(cell: PlannedCell, target: ResolvedOnnxTarget): SessionOptions {
  return {
    executionProviders: [ortProvider(cell.provider)],
    intraOpNumThreads: cell.threads ?? 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: target.graphOptimization,
    logSeverityLevel: 3,
  };
}

/**
 * The feeds of a cell: one set when every input is generated; with data files, one set per batch
 * of samples (the file cycled through), the generated inputs the same in each.
 */
export function feedSetsOf(plans: readonly TensorPlan[], seed: number): Record<string, ort.Tensor>[] {
  const fromFiles = new Map(
    plans.filter((p) => p.file !== undefined).map((p) => [p.name, feedSets(p, readSamples(p.file as string, p.dtype, p.shape.slice(1)), p.file as string)]),
  );
  const count = Math.max(1, ...[...fromFiles.values()].map((s) => s.length));
  const generated = Object.fromEntries(plans.filter((p) => p.file === undefined).map((p) => [p.name, toOrtTensor(generateTensor(p, seed))]));
  return Array.from({ length: count }, (_, k) => ({
    ...generated,
    ...Object.fromEntries([...fromFiles].map(([name, sets]) => [name, toOrtTensor(sets[k % sets.length] as GeneratedTensor)])),
  }));
}

export function toOrtTensor(t: GeneratedTensor): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data, t.shape);
}

export const onnxRunner = {
  unavailable(cell) {
    const available = availableProviders();
    if (available.includes(ortProvider(cell.provider))) return undefined;
    return `execution provider '${cell.provider}' is not available in this onnxruntime-node build (available: ${available.join(", ")})`;
  },

  /** `extra` adds session options (the profiler's: measure/profile.ts). */
  async prepare(cell: PlannedCell, seed: number, extra: SessionOptions = {}): Promise<PreparedCell> {
    const target = cell.targetSpec;
    const modelPath = cell.variantSpec.modelPath;
    if (target.kind !== "onnx" || !modelPath) throw new Error(`${cell.id}: not a local ONNX cell`);
    const started = process.hrtime.bigint();
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, { ...sessionOptions(cell, target), ...extra });
    } catch (err) {
      // The model itself loaded on the CPU provider during validation, so a non-CPU provider that
      // fails here could not start on this machine (no adapter, no driver, missing library).
      if (cell.provider === "cpu") throw err;
      const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
      throw new ProviderUnavailableError(`execution provider '${cell.provider}' could not start here: ${reason}`);
    }
    const sessionCreateMs = nsToMs(Number(process.hrtime.bigint() - started));
    try {
      const metadata = inputMetadata(session);
      const own = variantInputs(target, cell.variantSpec);
      const { plans, errors, warnings } = planInputs(metadata, own.inputs, own.dims, cell.batch);
      if (errors.length > 0) throw new Error(errors.join("; "));
      const sets = feedSetsOf(plans, seed);
      const state = target.state;
      let k = 0;
      // One set of tensors (generated inputs): every call feeds it. Data from files: each call the
      // next set. A recurrent model carries its state as in production: each call's output becomes
      // the next call's input.
      const call =
        sets.length === 1 && state.length === 0
          ? () => session.run(sets[0] as Record<string, ort.Tensor>)
          : async () => {
              const feeds = sets[k++ % sets.length] as Record<string, ort.Tensor>;
              const out = await session.run(feeds);
              const next = sets[k % sets.length] as Record<string, ort.Tensor>;
              for (const { from, to } of state) next[to] = out[from] as ort.Tensor;
              return out;
            };
      const prepared: PreparedCell = {
        sessionCreateMs,
        itemsPerCall: cell.batch,
        inputs: plans,
        notes: warnings,
        call,
        runLoad: (signal, at, stepSeed = seed) => runLocalLoad(call, cell, stepSeed, signal, at),
        release: () => session.release(),
      };
      return prepared;
    } catch (err) {
      await session.release();
      throw err;
    }
  },
} satisfies Runner;
