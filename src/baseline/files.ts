import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import { makeDirectories } from "../util/mkdirs.js";
import { type Baseline, parseBaseline, serializeBaseline } from "./format.js";

/** Baselines live in DIR/SUITE/NAME.json; DIR is `baselines` unless --baselines says otherwise. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function baselinePath(dir: string, suite: string, name: string): string {
  checkDirectory(dir);
  if (!NAME.test(name)) throw new UserError(`${name}: a baseline name is letters, digits, '_', '.', '-'`);
  return path.join(dir, suite, `${name}.json`);
}

export function writeBaseline(dir: string, b: Baseline): string {
  const file = baselinePath(dir, b.suite, b.name);
  try {
    makeDirectories(path.dirname(file));
    writeFileSync(file, serializeBaseline(b));
  } catch (err) {
    throw new UserError(`${file}: cannot be written (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass --baselines a writable directory`);
  }
  return file;
}

export function readBaselineFile(file: string): Baseline {
  if (!existsSync(file)) throw new UserError(`${file}: no such baseline file`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the file or pass --baselines another directory`,
    );
  }
  try {
    return parseBaseline(text, file);
  } catch (err) {
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
}

export interface BaselineEntry {
  suite: string;
  name: string;
  file: string;
}

export function listBaselines(dir: string, suite?: string): BaselineEntry[] {
  if (!existsSync(dir)) return [];
  checkDirectory(dir);
  const suites = suite
    ? [suite]
    : readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
  return suites.flatMap((s) => {
    const sdir = path.join(dir, s);
    if (!existsSync(sdir)) return [];
    return readdirSync(sdir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => ({ suite: s, name: f.slice(0, -".json".length), file: path.join(sdir, f) }));
  });
}

/**
 * `NAME` or `SUITE/NAME`. A bare name must be unique across suites, or the suite of the run it
 * will be compared with (`preferSuite`) picks it.
 */
export function findBaseline(dir: string, ref: string, preferSuite?: string): Baseline {
  const [suite, name] = ref.includes("/") ? (ref.split("/", 2) as [string, string]) : [undefined, ref];
  if (suite) return readBaselineFile(baselinePath(dir, suite, name));
  const matches = listBaselines(dir).filter((b) => b.name === name);
  const preferred = matches.find((b) => b.suite === preferSuite);
  const pick = preferred ?? (matches.length === 1 ? matches[0] : undefined);
  if (pick) return readBaselineFile(pick.file);
  if (matches.length === 0) {
    throw new UserError(`baseline:${ref}: no baseline named '${name}' in ${dir}/ (see 'bench baseline list')`);
  }
  throw new UserError(`baseline:${ref}: ambiguous; suites ${matches.map((m) => m.suite).join(", ")} each have one; write baseline:SUITE/${name}`);
}

/** --baselines names a directory, or nothing yet (it is made when the first baseline is saved). */
function checkDirectory(dir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    return;
  }
  if (!isDirectory)
    throw new UserError(`--baselines ${dir}: a file, not a directory of baselines (SUITE/NAME.json); pass --baselines a directory such as baselines`);
}
