/** A key path as the user reads it in messages: `targets.mlp.matrix.batch[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? keyText(p) : `.${keyText(p)}`)).join("");
}

/** A key as written, quoted only when it would break the line or be mistaken for something else. */
function keyText(key: PropertyKey): string {
  const text = String(key);
  return /^[^\s"'`\\[\]]+$/u.test(text) && !/\p{Cc}/u.test(text) ? text : JSON.stringify(text);
}

const ESCAPES: Partial<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One line, of a readable length, whatever text a user's file put into it. */
export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
