import path from "node:path";
import ort from "onnxruntime-node";
import { DTYPES } from "../suite/names.js";
import type { Dtype } from "../suite/schema.js";
import { toKserveDatatype } from "../runners/http/datatypes.js";

/** One input or output as the server describes it. */
export interface TensorMeta {
  name: string;
  /** Our dtype; undefined for a type the protocol's JSON cannot carry here (strings, maps, sequences). */
  dtype: Dtype | undefined;
  /** KServe datatype name; BYTES for strings and anything unsupported. */
  datatype: string;
  /** -1 for a dynamic dimension. */
  shape: number[];
}

export interface ServedModel {
  name: string;
  file: string;
  session: ort.InferenceSession;
  inputs: TensorMeta[];
  outputs: TensorMeta[];
}

/** The model's name on the wire: the file's basename without .onnx. */
export function modelName(file: string): string {
  return path.basename(file).replace(/\.onnx$/i, "");
}

/** Load every model; a name given twice or a file onnxruntime cannot load is an Error naming the file. */
export async function loadModels(files: readonly string[]): Promise<Map<string, ServedModel>> {
  const models = new Map<string, ServedModel>();
  try {
    for (const file of files) {
      const name = modelName(file);
      const clash = models.get(name);
      if (clash) throw new Error(`two models would be served as '${name}': ${clash.file} and ${file}; rename one`);
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
      } catch (err) {
        throw new Error(`cannot load model ${file}: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
      }
      models.set(name, {
        name,
        file,
        session,
        inputs: session.inputMetadata.map(describe),
        outputs: session.outputMetadata.map(describe),
      });
    }
  } catch (err) {
    await releaseModels(models);
    throw err;
  }
  return models;
}

export async function releaseModels(models: Map<string, ServedModel>): Promise<void> {
  for (const m of models.values()) await m.session.release().catch(() => undefined);
  models.clear();
}

function describe(m: ort.InferenceSession.ValueMetadata): TensorMeta {
  if (!m.isTensor) return { name: m.name, dtype: undefined, datatype: "BYTES", shape: [] };
  const dtype = (DTYPES as readonly string[]).includes(m.type) ? (m.type as Dtype) : undefined;
  return {
    name: m.name,
    dtype,
    datatype: dtype !== undefined ? toKserveDatatype(dtype) : "BYTES",
    shape: m.shape.map((d) => (typeof d === "number" && d > 0 ? d : -1)),
  };
}

/** GET /v2/models/NAME */
export function modelMetadata(m: ServedModel): object {
  const io = (t: TensorMeta) => ({ name: t.name, datatype: t.datatype, shape: t.shape });
  return { name: m.name, versions: ["1"], platform: "onnxruntime", inputs: m.inputs.map(io), outputs: m.outputs.map(io) };
}
