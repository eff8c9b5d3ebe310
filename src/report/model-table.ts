import Table from "cli-table3";
import type { Dimension, ModelDescription, ModelValue } from "../runners/model-file.js";

const dim = (d: Dimension): string => (d === null ? "?" : String(d));
const shapeText = (v: ModelValue): string => (v.shape === null ? "any rank" : `[${v.shape.map(dim).join(", ")}]`);

/** What the leading dimension says about `batch:` in a suite. */
function batchHint(v: ModelValue): string {
  if (v.shape === null || v.shape.length === 0) return v.shape === null ? "" : "scalar: give it a fill";
  const first = v.shape[0] as Dimension;
  if (typeof first === "string") return `batch axis "${first}"`;
  if (first === null) return "leading dim unnamed";
  return `fixed leading dim ${first}: batch ${first} only`;
}

const isInteger = (type: string) => /^u?int\d+$|^bool$/.test(type);

/** `bench inspect`: the model's inputs and outputs, then what it is made of. */
export function renderModel(m: ModelDescription): string {
  const values = (title: string, vs: readonly ModelValue[], hints: boolean) => {
    const table = new Table({ head: [title, "type", "shape", ...(hints ? ["note"] : [])], style: { head: [], border: [], compact: true } });
    for (const v of vs) {
      const notes = hints ? [[batchHint(v), isInteger(v.type) ? "integer: give it a fill or a range" : ""].filter(Boolean).join("; ")] : [];
      table.push([v.name, v.type, shapeText(v), ...notes]);
    }
    return table.toString();
  };
  const mib = m.bytes / 2 ** 20;
  const ops = Object.entries(m.operators);
  const lines = [
    `model       ${m.file}`,
    `size        ${mib >= 1 ? `${mib.toFixed(1)} MiB` : `${(m.bytes / 1024).toFixed(1)} KiB`}  sha256:${m.sha256}`,
    `format      ONNX IR ${m.irVersion}, opset ${Object.entries(m.opsets)
      .map(([d, v]) => (d === "ai.onnx" ? String(v) : `${d} ${v}`))
      .join(", ")}${m.producer ? `, from ${m.producer}` : ""}`,
    `graph       ${m.nodes} nodes, ${m.initializers} initializers (${m.parameters.toLocaleString("en-US")} parameters with the constants)${m.graph ? `, "${m.graph}"` : ""}`,
    ...Object.entries(m.metadata).map(([k, v]) => `metadata    ${k} = ${v.length > 80 ? `${v.slice(0, 77)}...` : v}`),
    "",
    m.inputs.length > 0 ? values("input", m.inputs, true) : "no inputs",
    "",
    m.outputs.length > 0 ? values("output", m.outputs, false) : "no outputs",
    "",
    `operators   ${ops.map(([op, n]) => `${op} ${n}`).join(", ") || "none"}`,
  ];
  return `${lines.join("\n")}\n`;
}
