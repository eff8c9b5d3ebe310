import { describe, expect, it } from "vitest";
import type { GeneratedTensor } from "../src/inputs/generate.js";
import { generateTensor, toFloat16Bits } from "../src/inputs/generate.js";
import { renderTemplate, validateJsonResponse } from "../src/runners/http/json-template.js";
import { templateTensorNames } from "../src/suite/body-template.js";
import { decodeOutputs, encodeInferRequest, parseModelMetadata, validateInferResponse } from "../src/runners/http/kserve.js";
import { decodePredictResponse, encodePredictRequest, predictUrl, validatePredictResponse } from "../src/runners/http/tfserving.js";
import { float32Literal } from "../src/runners/http/values.js";

const f32 = (name: string, shape: number[], values: number[]): GeneratedTensor => ({ name, dtype: "float32", shape, data: Float32Array.from(values) });

describe("kserve-v2 codec", () => {
  it("encodes tensors as { inputs: [{ name, datatype, shape, data }] } with flat row-major data", () => {
    const body = encodeInferRequest([
      f32("x", [2, 2], [0.5, 1, -2, 0.1]),
      { name: "ids", dtype: "int64", shape: [1, 2], data: BigInt64Array.from([9007199254740993n, -1n]) },
      { name: "mask", dtype: "bool", shape: [2], data: Uint8Array.from([1, 0]) },
      { name: "h", dtype: "float16", shape: [1], data: Uint16Array.from([toFloat16Bits(1.5)]) },
    ]);
    expect(body).toBe(
      '{"inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[0.5,1,-2,0.1]},' +
        '{"name":"ids","datatype":"INT64","shape":[1,2],"data":[9007199254740993,-1]},' +
        '{"name":"mask","datatype":"BOOL","shape":[2],"data":[true,false]},' +
        '{"name":"h","datatype":"FP16","shape":[1],"data":[1.5]}]}',
    );
  });

  it("writes float32 values with the fewest digits that read back exactly", () => {
    const t = generateTensor({ name: "x", dtype: "float32", shape: [1000], fill: "random-normal", mean: 0, std: 1, low: 0, high: 1 }, 9);
    for (const v of t.data as Float32Array) {
      const s = float32Literal(v);
      expect(Math.fround(Number(s))).toBe(v);
      expect(s.replace(/^-|\.|e.*$/g, "").replace(/^0+/, "").length).toBeLessThanOrEqual(9);
    }
  });

  it("refuses non-finite values, which JSON cannot carry", () => {
    expect(() => encodeInferRequest([f32("x", [1], [Number.NaN])])).toThrow(/input 'x' has a non-finite value/);
  });

  it("reads model metadata into planInputs' terms", () => {
    const meta = '{"name":"m","inputs":[{"name":"a","datatype":"FP32","shape":[-1,3]},{"name":"s","datatype":"BYTES","shape":[1]}]}';
    expect(parseModelMetadata(meta)).toEqual([
      { name: "a", type: "float32", shape: [-1, 3] },
      { name: "s", type: undefined, shape: [1] },
    ]);
    expect(() => parseModelMetadata('{"inputs":{}}', "GET /v2/models/m")).toThrow(/GET \/v2\/models\/m: expected an 'inputs' array/);
  });

  it("validates and decodes responses: shape must match the number of values, nested data allowed", () => {
    const good = '{"model_name":"m","outputs":[{"name":"y","datatype":"FP32","shape":[2,2],"data":[[1,2],[3,4]]}]}';
    expect(validateInferResponse(200, Buffer.from(good))).toBe(true);
    expect(decodeOutputs(good)).toEqual([{ name: "y", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] }]);
    const short = '{"outputs":[{"name":"y","datatype":"FP32","shape":[2,2],"data":[1,2,3]}]}';
    expect(validateInferResponse(200, short)).toBe(false);
    expect(() => decodeOutputs(short)).toThrow(/has 3 values for shape \[2,2\] \(4\)/);
    expect(validateInferResponse(200, "{")).toBe(false);
    expect(validateInferResponse(200, '{"outputs":[]}')).toBe(false);
    expect(validateInferResponse(500, good)).toBe(false);
  });
});

describe("tfserving codec", () => {
  const x = f32("x", [2, 3], [1, 2, 3, 4, 5, 6]);
  const y = f32("y", [2], [7, 8]);

  it("row format: one instance per batch row, objects when there are several inputs", () => {
    expect(encodePredictRequest([x], { format: "instances" })).toBe('{"instances":[[1,2,3],[4,5,6]]}');
    expect(encodePredictRequest([x, y], { format: "instances" })).toBe('{"instances":[{"x":[1,2,3],"y":7},{"x":[4,5,6],"y":8}]}');
    expect(() => encodePredictRequest([x, f32("z", [3], [1, 2, 3])], { format: "instances" })).toThrow(/same leading \(batch\) dimension/);
  });

  it("columnar format: named tensors with the batch dimension kept", () => {
    expect(encodePredictRequest([x, y], { format: "inputs", signatureName: "serving_default" })).toBe(
      '{"signature_name":"serving_default","inputs":{"x":[[1,2,3],[4,5,6]],"y":[7,8]}}',
    );
  });

  it("validates predictions / outputs and rejects error bodies", () => {
    expect(validatePredictResponse(200, '{"predictions":[[0.1,0.9]]}')).toBe(true);
    expect(validatePredictResponse(200, '{"outputs":{"y":[1]}}')).toBe(true);
    expect(validatePredictResponse(200, '{"error":"bad"}')).toBe(false);
    expect(validatePredictResponse(200, "[]")).toBe(false);
    expect(decodePredictResponse('{"predictions":[1]}')).toEqual({ predictions: [1] });
    expect(predictUrl("http://h:8501/", "m", 2)).toBe("http://h:8501/v1/models/m/versions/2:predict");
  });
});

describe("json body template", () => {
  const x = f32("x", [2, 2], [1, 2, 3, 4]);

  it("fills every kind of placeholder", () => {
    const t = '{"a":{{tensor:x}},"b":{{ flat:x }},"s":{{shape:x}},"d":"{{dtype:x}}","k":"{{datatype:x}}","n":{{batch}}}';
    expect(renderTemplate(t, [x])).toBe('{"a":[[1,2],[3,4]],"b":[1,2,3,4],"s":[2,2],"d":"float32","k":"FP32","n":2}');
    expect(templateTensorNames(t)).toEqual(["x"]);
  });

  it("names the unknown placeholder or tensor", () => {
    expect(() => renderTemplate("{{tensor:y}}", [x])).toThrow(/\{\{tensor:y\}\} names no generated tensor \(there are: x\)/);
    expect(() => renderTemplate("{{image:x}}", [x])).toThrow(/unknown placeholder '\{\{image:x\}\}'/);
  });

  it("validates any JSON body", () => {
    expect(validateJsonResponse(200, "[1]")).toBe(true);
    expect(validateJsonResponse(200, "nope")).toBe(false);
    expect(validateJsonResponse(404, "{}")).toBe(false);
  });
});
