import ort from "onnxruntime-node";
import type { GeneratedTensor } from "../inputs/generate.js";
import { generateTensor } from "../inputs/generate.js";
import type { ModelInput } from "../inputs/plan.js";
import { planInputs } from "../inputs/plan.js";
import type { PlannedCell } from "../suite/expand.js";
import type { Provider } from "../suite/schema.js";
import type { PreparedCell, Runner } from "./runner.js";

type SessionOptions = ort.InferenceSession.SessionOptions;

/** onnxruntime-node's name for each provider a suite may ask for. */
const ORT_PROVIDER: Record<Provider, string> = {
  cpu: "cpu",
  cuda: "cuda",
  tensorrt: "tensorrt",
  webgpu: "webgpu",
  dml: "dml",
  coreml: "coreml",
};

export function availableProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

export function onnxRuntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common ?? "unknown";
}

/** Read a model's input metadata. Throws onnxruntime's error when the file is not a loadable model. */
export async function inspectModel(modelPath: string): Promise<ModelInput[]> {
  const session = await ort.InferenceSession.create(modelPath, { logSeverityLevel: 3 });
  try {
    return inputMetadata(session);
  } finally {
    await session.release();
  }
}

function inputMetadata(session: ort.InferenceSession): ModelInput[] {
  return session.inputMetadata.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: undefined, shape: [] },
  );
}

export function sessionOptions(cell: PlannedCell): SessionOptions {
  return {
    executionProviders: [ORT_PROVIDER[cell.provider]],
    intraOpNumThreads: cell.threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: cell.targetSpec.graphOptimization,
    logSeverityLevel: 3,
  };
}

export function toOrtTensor(t: GeneratedTensor): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data, t.shape);
}

export const onnxRunner: Runner = {
  unavailable(cell) {
    const available = availableProviders();
    if (available.includes(ORT_PROVIDER[cell.provider])) return undefined;
    return `execution provider '${cell.provider}' is not available in this onnxruntime-node build (available: ${available.join(", ")})`;
  },

  async prepare(cell, seed) {
    const started = process.hrtime.bigint();
    const session = await ort.InferenceSession.create(cell.variantSpec.modelPath, sessionOptions(cell));
    const sessionCreateMs = Number(process.hrtime.bigint() - started) / 1e6;
    try {
      const metadata = inputMetadata(session);
      const { plans, errors } = planInputs(metadata, cell.targetSpec.inputs, cell.targetSpec.dims, cell.batch);
      if (errors.length > 0) throw new Error(errors.join("; "));
      const feeds: Record<string, ort.Tensor> = {};
      for (const plan of plans) feeds[plan.name] = toOrtTensor(generateTensor(plan, seed));
      const prepared: PreparedCell = {
        sessionCreateMs,
        itemsPerCall: cell.batch,
        runOnce: () => session.run(feeds),
        release: () => session.release(),
      };
      return prepared;
    } catch (err) {
      await session.release();
      throw err;
    }
  },
};
