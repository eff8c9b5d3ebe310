import { request } from "undici";
import type { OutputValues } from "../../accuracy/metrics.js";
import type { GeneratedTensor } from "../../inputs/generate.js";
import { planInputs, type TensorPlan } from "../../inputs/plan.js";
import type { PlannedCell } from "../../suite/expand.js";
import { scrub } from "../../suite/env.js";
import type { ResolvedHttpTarget } from "../../suite/resolve.js";
import { errorMessage } from "../../errors.js";
import { decodeOutputs } from "./kserve.js";
import { encodeRequest, resolveEndpoint } from "./runner.js";
import { describeRequestError } from "./send-errors.js";
import { decodePredictResponse } from "./tfserving.js";

/**
 * A served model's answers, for accuracy (measure/accuracy.ts): the inputs it is fed are planned
 * as its cells plan them (KServe metadata or the suite's specs), each input set is sent once,
 * outside every timed loop, and the outputs are decoded per protocol: KServe v2 `outputs` by
 * name; TF Serving `predictions` (one unnamed output, or one per key of each row) or columnar
 * `outputs`. A protocol json endpoint's answer has no defined outputs (validate refuses it).
 */

/** The input plans of a served cell (its batch, the target's specs over the server's metadata). */
export async function servedPlans(cell: PlannedCell, t: ResolvedHttpTarget): Promise<TensorPlan[]> {
  const secrets = new Set<string>();
  try {
    const endpoint = await resolveEndpoint(cell, t, secrets);
    const { plans, errors } = planInputs(endpoint.inputs, t.inputs, t.dims, cell.batch);
    if (errors.length > 0) throw new Error(errors.join("; "));
    return plans;
  } catch (err) {
    throw new Error(scrub(errorMessage(err), secrets));
  }
}

/** Every output of the served model for each input set, in order; named as the server names them. */
export async function servedOutputs(cell: PlannedCell, t: ResolvedHttpTarget, sets: readonly GeneratedTensor[][]): Promise<Map<string, OutputValues[]>> {
  if (t.protocol === "json") throw new Error("a protocol json target's outputs cannot be decoded");
  const secrets = new Set<string>();
  const out = new Map<string, OutputValues[]>();
  try {
    const endpoint = await resolveEndpoint(cell, t, secrets);
    for (const tensors of sets) {
      const spec = encodeRequest(cell, t, endpoint, tensors);
      let status: number;
      let text: string;
      try {
        const res = await request(spec.url, { method: spec.method, headers: spec.headers, body: spec.body, signal: AbortSignal.timeout(spec.timeoutMs) });
        status = res.statusCode;
        text = await res.body.text();
      } catch (err) {
        throw new Error(`${spec.method} ${spec.url}: ${describeRequestError(err, spec.timeoutMs)}`);
      }
      if (status < 200 || status > 299) throw new Error(`${spec.url} answered ${status}: ${text.slice(0, 200)}`);
      const decoded = t.protocol === "kserve-v2" ? kserveOutputs(text) : tfservingOutputs(text);
      for (const [name, values] of decoded) {
        const list = out.get(name) ?? [];
        list.push(values);
        out.set(name, list);
      }
    }
    return out;
  } catch (err) {
    throw new Error(scrub(errorMessage(err), secrets));
  }
}

/**
 * KServe v2 outputs by name. A float32 output is written with the fewest digits that read back as
 * the same float32, so it is rounded back to float32 here: a served twin then matches exactly.
 */
export function kserveOutputs(text: string): Map<string, OutputValues> {
  return new Map(
    decodeOutputs(text).map((o) => {
      const data = numbers(o.data, o.name);
      if (o.datatype === "FP32" || o.datatype === "FP16") for (let i = 0; i < data.length; i++) data[i] = Math.fround(data[i] as number);
      return [o.name, { data, dims: o.shape }];
    }),
  );
}

/** TF Serving's answer: rows of `predictions` (objects when the signature has several outputs) or columnar `outputs`. */
export function tfservingOutputs(text: string): Map<string, OutputValues> {
  const { predictions, outputs } = decodePredictResponse(text);
  if (predictions !== undefined) {
    const first = predictions[0];
    if (isRecord(first)) {
      return new Map(
        Object.keys(first).map((name) => [
          name,
          nested(
            predictions.map((row) => (isRecord(row) ? row[name] : undefined)),
            name,
          ),
        ]),
      );
    }
    return new Map([["predictions", nested(predictions, "predictions")]]);
  }
  if (isRecord(outputs)) return new Map(Object.entries(outputs).map(([name, v]) => [name, nested(v, name)]));
  return new Map([["outputs", nested(outputs, "outputs")]]);
}

/** Nested arrays as flat values and their shape; ragged arrays are not a tensor. */
function nested(value: unknown, name: string): OutputValues {
  const dims: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0] as unknown) dims.push(v.length);
  const flat = Array.isArray(value) ? (value.flat(Infinity) as unknown[]) : [value];
  if (flat.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`output '${name}' is a ragged array, not a tensor`);
  return { data: numbers(flat, name), dims };
}

function numbers(values: readonly unknown[], name: string): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // null: a non-finite value, which JSON cannot carry (bench serve writes NaN and ±Infinity so).
    if (typeof v === "number") out[i] = v;
    else if (typeof v === "boolean") out[i] = Number(v);
    else if (v === null) out[i] = Number.NaN;
    else throw new Error(`output '${name}' has a value that is not a number (${JSON.stringify(v)})`);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
