import type { GeneratedTensor } from "../../inputs/generate.js";
import { toKserveDatatype } from "./datatypes.js";
import { ANY_PLACEHOLDER, PLACEHOLDER } from "../../suite/body-template.js";
import { flatJson, nestedJson } from "./values.js";

/** Fills a body template (syntax: src/suite/body-template.ts) with the generated tensors. */
export function renderTemplate(template: string, tensors: readonly GeneratedTensor[]): string {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  for (const m of template.matchAll(ANY_PLACEHOLDER)) {
    if (!new RegExp(PLACEHOLDER.source).test(m[0])) {
      throw new Error(
        `body template: unknown placeholder '${m[0]}' (expected {{tensor:NAME}}, {{flat:NAME}}, {{shape:NAME}}, {{dtype:NAME}}, {{datatype:NAME}} or {{batch}})`,
      );
    }
  }
  const cache = new Map<string, string>();
  return template.replace(PLACEHOLDER, (_m, kind: string | undefined, name: string | undefined) => {
    if (kind === undefined || name === undefined) {
      const first = tensors[0];
      if (first === undefined || first.shape.length === 0) throw new Error("body template: {{batch}} needs a tensor with a leading dimension");
      return String(first.shape[0]);
    }
    const t = byName.get(name);
    if (t === undefined) {
      throw new Error(`body template: {{${kind}:${name}}} names no generated tensor (there are: ${[...byName.keys()].join(", ") || "none"})`);
    }
    const key = `${kind}:${name}`;
    let text = cache.get(key);
    if (text === undefined) {
      switch (kind) {
        case "tensor":
          text = nestedJson(t);
          break;
        case "flat":
          text = flatJson(t);
          break;
        case "shape":
          text = JSON.stringify(t.shape);
          break;
        case "dtype":
          text = t.dtype;
          break;
        default:
          text = toKserveDatatype(t.dtype);
      }
      cache.set(key, text);
    }
    return text;
  });
}

/** A 2xx answer whose body is JSON: all that can be checked without knowing the protocol. */
export function validateJsonResponse(status: number, body: Buffer | string): boolean {
  if (status < 200 || status > 299) return false;
  try {
    JSON.parse(body.toString());
    return true;
  } catch {
    return false;
  }
}
