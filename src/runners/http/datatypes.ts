import type { Dtype } from "../../suite/schema.js";

/**
 * Tensor datatype names of the Open Inference Protocol (KServe v2), and ours. BYTES (strings)
 * has no counterpart among the generated inputs and is not supported.
 */
export const KSERVE_DATATYPES = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
} as const satisfies Record<string, Dtype>;
export type KserveDatatype = keyof typeof KSERVE_DATATYPES;

const TO_KSERVE = Object.fromEntries(Object.entries(KSERVE_DATATYPES).map(([k, v]) => [v, k])) as Record<Dtype, KserveDatatype>;

export function toKserveDatatype(dtype: Dtype): KserveDatatype {
  return TO_KSERVE[dtype];
}

export function fromKserveDatatype(datatype: string): Dtype | undefined {
  return Object.hasOwn(KSERVE_DATATYPES, datatype) ? KSERVE_DATATYPES[datatype as KserveDatatype] : undefined;
}
