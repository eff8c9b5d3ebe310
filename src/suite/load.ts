import { UserError } from "../errors.js";
import type { Env } from "./env.js";
import { fileProblem, fsProblem, MAX_SUITE_BYTES, readCheckedFile } from "./files.js";
import { oneLine } from "./path.js";
import { type ResolvedSuite, resolveSuite } from "./resolve.js";
import { TraceError } from "./trace.js";
import { validateSuiteDocument } from "./validate.js";
import { parseSuiteYaml } from "./yaml.js";

/** Problems found in a suite, each already formatted as `FILE: key.path: message`. */
export class SuiteError extends UserError {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "SuiteError";
  }
}

/** Beyond this many problems in one file the rest is counted, not listed: the first ones say what is wrong. */
const MAX_PROBLEMS = 20;

/** Read, parse and validate a suite file; every problem is reported, not just the first. */
export function loadSuite(file: string, env: Env = process.env): ResolvedSuite {
  return readSuite(file, env).suite;
}

/** loadSuite, with the bytes of the file it validated (what the suite cache keys on, suite/cache.ts). */
export function readSuite(file: string, env: Env = process.env): { suite: ResolvedSuite; bytes: Buffer } {
  const name = file === "" ? "''" : file;
  const fail = (problems: string[]): never => {
    const shown = problems.slice(0, MAX_PROBLEMS).map((p) => oneLine(`${name}: ${p}`));
    if (problems.length > MAX_PROBLEMS) shown.push(`${oneLine(name)}: … and ${problems.length - MAX_PROBLEMS} more problems; fix the ones above first`);
    throw new SuiteError(shown);
  };
  const problem = fileProblem(file, "suite", MAX_SUITE_BYTES);
  if (problem) return fail([problem]);
  let bytes: Buffer;
  try {
    bytes = readCheckedFile(file, "suite", MAX_SUITE_BYTES);
  } catch (err) {
    return fail([(err as NodeJS.ErrnoException).code ? fsProblem(err, "suite") : (err as Error).message]);
  }
  if (bytes.length > MAX_SUITE_BYTES)
    return fail([`grew past ${MAX_SUITE_BYTES} bytes while being read; a suite file is at most ${MAX_SUITE_BYTES} bytes (1 MiB)`]);
  const text = decodeUtf8(bytes);
  if (typeof text !== "string") return fail([text.problem]);
  const { value, problems } = parseSuiteYaml(text);
  if (problems.length > 0) return fail(problems);
  if (value === null || value === undefined) return fail(["has no YAML content; a suite needs at least 'name' and 'targets' (see suites/quickstart.yaml)"]);
  if (typeof value !== "object" || Array.isArray(value)) {
    return fail([`is a YAML ${Array.isArray(value) ? "list" : "scalar"}; expected a YAML mapping with at least 'name' and 'targets'`]);
  }
  const { suite, errors } = validateSuiteDocument(value, env);
  if (!suite) return fail(errors);
  try {
    return { suite: resolveSuite(suite, file), bytes };
  } catch (err) {
    // A trace file (load.trace) is read here: a bad one is a problem of the suite.
    if (err instanceof TraceError) return fail([err.message]);
    throw err;
  }
}

/**
 * The file's text if it is UTF-8 (a UTF-8 byte-order mark is allowed, as YAML allows it); else
 * what it is and how to fix it. UTF-16 and UTF-32 files, with or without a byte-order mark,
 * would otherwise read as NUL-riddled garbage that YAML calls "not a mapping".
 */
function decodeUtf8(bytes: Buffer): string | { problem: string } {
  const saveAs = "; save it as UTF-8 (in most editors: 'Save with encoding' → UTF-8)";
  if (bytes.subarray(0, 4).equals(Buffer.from([0xff, 0xfe, 0, 0])) || bytes.subarray(0, 4).equals(Buffer.from([0, 0, 0xfe, 0xff]))) {
    return { problem: `is UTF-32 text${saveAs}` };
  }
  if (bytes.subarray(0, 2).equals(Buffer.from([0xff, 0xfe])) || bytes.subarray(0, 2).equals(Buffer.from([0xfe, 0xff]))) {
    return { problem: `is UTF-16 text (it starts with a UTF-16 byte-order mark)${saveAs}` };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { problem: `contains NUL bytes (byte ${nul}): it is UTF-16 text or not text at all${saveAs}` };
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const text = bytes.toString("utf8");
    const bad = text.indexOf("\uFFFD");
    const line = text.slice(0, Math.max(0, bad)).split("\n").length;
    return { problem: `is not valid UTF-8 (line ${line}): it is in another encoding such as Latin-1 or Windows-1252${saveAs}` };
  }
}
