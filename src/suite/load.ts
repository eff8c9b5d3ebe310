import { existsSync, readFileSync, statSync } from "node:fs";
import { parseDocument } from "yaml";
import { UserError } from "../errors.js";
import { type ResolvedSuite, resolveSuite } from "./resolve.js";
import { validateSuiteDocument } from "./validate.js";

/** Problems found in a suite, each already formatted as `FILE: key.path: message`. */
export class SuiteError extends UserError {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "SuiteError";
  }
}

/** Read, parse and validate a suite file; every problem is reported, not just the first. */
export function loadSuite(file: string): ResolvedSuite {
  if (!existsSync(file)) throw new SuiteError([`${file}: no such suite file`]);
  if (statSync(file).isDirectory()) throw new SuiteError([`${file}: is a directory; expected a suite .yaml file`]);
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length > 0) {
    throw new SuiteError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : "YAML";
        const message = (e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
        return `${file}: ${where}: invalid YAML: ${message}`;
      }),
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new SuiteError([`${file}: expected a YAML mapping with at least 'name' and 'targets'`]);
  }
  const { suite, errors } = validateSuiteDocument(raw, process.env);
  if (!suite) throw new SuiteError(errors.map((e) => `${file}: ${e}`));
  return resolveSuite(suite, file);
}
