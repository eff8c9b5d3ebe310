/**
 * A request body written by the user with placeholders for the generated tensors:
 *
 *   {{tensor:NAME}}    the tensor's values as nested JSON arrays following its shape
 *   {{flat:NAME}}      its values as one flat JSON array (row-major)
 *   {{shape:NAME}}     its shape as a JSON array, e.g. [8,256]
 *   {{dtype:NAME}}     its dtype as we name it, bare (float32): write "{{dtype:x}}" for a JSON string
 *   {{datatype:NAME}}  its KServe datatype name, bare (FP32)
 *   {{batch}}          the leading dimension of the first tensor
 *
 * Whitespace inside the braces is allowed. Everything else is copied as is; the result is not
 * required to be JSON. An unknown placeholder or tensor name is an error naming it.
 */
export const PLACEHOLDER = /\{\{\s*(?:(tensor|flat|shape|dtype|datatype)\s*:\s*([^\s}]+)|(batch))\s*\}\}/g;
export const ANY_PLACEHOLDER = /\{\{([^}]*)\}\}/g;

/** The tensor names a template refers to, in order of first use: the inputs the suite must describe. */
export function templateTensorNames(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) if (m[2] !== undefined && !names.includes(m[2])) names.push(m[2]);
  return names;
}
