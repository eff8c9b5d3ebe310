/**
 * `${NAME}` and `${NAME:-default}` in a remote target's URL, variants and header values. They are
 * expanded only when a request is built, so the suite that is stored keeps the references and
 * never the secrets they stand for.
 */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Env = Readonly<Record<string, string | undefined>>;

/** Names referenced without a default that `env` lacks. */
export function missingEnv(text: string, env: Env): string[] {
  return [...text.matchAll(REFERENCE)].filter((m) => m[2] === undefined && env[m[1] as string] === undefined).map((m) => m[1] as string);
}

/** Expand the references; each value taken from the environment is added to `secrets`, if given. */
export function expandEnv(text: string, env: Env, secrets?: Set<string>): string {
  return text.replace(REFERENCE, (_, name: string, fallback: string | undefined) => {
    const value = env[name] ?? fallback;
    if (value === undefined) throw new Error(`environment variable ${name} is not set`);
    if (env[name] !== undefined && value !== "") secrets?.add(value);
    return value;
  });
}

/** `text` with every secret replaced, for messages that leave the process (printed or stored). */
export function scrub(text: string, secrets: ReadonlySet<string>): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("<redacted>");
  return out;
}

/** Every `key.path: message` for a missing variable in the remote targets of a suite document. */
export function checkEnvReferences(
  targets: Readonly<Record<string, { kind: string; url?: string; headers?: Record<string, string>; variants?: unknown }>>,
  env: Env,
): string[] {
  const errors: string[] = [];
  for (const [name, t] of Object.entries(targets)) {
    if (t.kind !== "http") continue;
    const texts: [string, string][] = [[`targets.${name}.url`, t.url ?? ""]];
    for (const [k, v] of Object.entries(t.headers ?? {})) texts.push([`targets.${name}.headers.${k}`, v]);
    for (const [k, v] of Object.entries((t.variants ?? {}) as Record<string, string>)) texts.push([`targets.${name}.variants.${k}`, v]);
    for (const [key, text] of texts) {
      for (const missing of missingEnv(text, env)) {
        errors.push(`${key}: environment variable ${missing} is not set (write \${${missing}:-default} for a default)`);
      }
    }
  }
  return errors;
}
