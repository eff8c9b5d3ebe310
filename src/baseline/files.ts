import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import { makeDirectories } from "../util/mkdirs.js";
import { type Baseline, parseBaseline, serializeBaseline } from "./format.js";

/** Baselines live in DIR/SUITE/NAME.json; DIR is `baselines` unless --baselines says otherwise. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function baselinePath(dir: string, suite: string, name: string): string {
  checkDirectory(dir);
  if (!NAME.test(suite)) throw new UserError(`'${suite}': a suite name is letters, digits, '_', '.', '-' (write SUITE/NAME, e.g. quickstart/main)`);
  if (!NAME.test(name)) throw new UserError(`'${name}': a baseline name is letters, digits, '_', '.', '-' (e.g. main)`);
  return path.join(dir, suite, `${name}.json`);
}

/**
 * A file-system error as the user's problem: which path, what is wrong with it, what to do. The
 * errors a path given by the user can cause; anything else is rethrown as it is.
 */
function fsError(err: unknown, file: string, doing: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const why: Record<string, string> = {
    ENOTDIR: "a part of this path is a file, not a directory; point --baselines at a directory",
    ENOENT: "a directory on this path cannot be created here; point --baselines at a writable directory",
    EISDIR: "this is a directory, not a file",
    EACCES: "permission denied; check the file's and its directory's permissions",
    EPERM: "permission denied; check the file's and its directory's permissions",
    EROFS: "the file system is read-only; point --baselines at a writable directory",
    ENOSPC: "the disk is full; free some space and try again",
    EEXIST: "a file is in the way of a directory; point --baselines at a directory",
    ENAMETOOLONG: "the path is too long",
    ELOOP: "too many symbolic links in the path",
  };
  const text = code !== undefined ? why[code] : undefined;
  return text !== undefined ? new UserError(`${file}: cannot ${doing}: ${text}`) : err;
}

export function writeBaseline(dir: string, b: Baseline): string {
  const file = baselinePath(dir, b.suite, b.name);
  try {
    makeDirectories(path.dirname(file));
    writeFileSync(file, serializeBaseline(b));
  } catch (err) {
    throw fsError(err, file, "write the baseline");
  }
  return file;
}

export function readBaselineFile(file: string): Baseline {
  if (!existsSync(file)) throw new UserError(`${file}: no such baseline file`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw fsError(err, file, "read the baseline");
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
  if (suite !== undefined && !NAME.test(suite)) throw new UserError(`--suite '${suite}': a suite name is letters, digits, '_', '.', '-'`);
  if (!existsSync(dir)) return [];
  checkDirectory(dir);
  try {
    const suites = suite
      ? [suite]
      : readdirSync(dir, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => d.name);
    return suites.flatMap((s) => {
      const sdir = path.join(dir, s);
      if (!existsSync(sdir) || !statSync(sdir).isDirectory()) return [];
      return readdirSync(sdir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => ({ suite: s, name: f.slice(0, -".json".length), file: path.join(sdir, f) }));
    });
  } catch (err) {
    throw fsError(err, dir, "list the baselines");
  }
}

/**
 * `NAME` or `SUITE/NAME`. A bare name must be unique across suites, or the suite of the run it
 * will be compared with (`preferSuite`) picks it.
 */
export function findBaseline(dir: string, ref: string, preferSuite?: string): Baseline {
  if (ref === "") throw new UserError("baseline: the baseline name is empty; write baseline:NAME or baseline:SUITE/NAME (see 'bench baseline list')");
  const [suite, name] = ref.includes("/") ? (ref.split("/", 2) as [string, string]) : [undefined, ref];
  if (suite !== undefined) return readBaselineFile(baselinePath(dir, suite, name));
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
