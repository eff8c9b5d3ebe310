import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLError } from "yaml";
import { formatPath } from "./path.js";

/**
 * YAML text to a plain value, with every problem as one line naming where it is: `key.path:
 * message` where the tree gives a path, `line L, column C: message` where only the text does.
 * Pure: no disk.
 *
 * What the yaml library is told, and why:
 * - `uniqueKeys: false`: its duplicate-key check compares each key with every earlier one of the
 *   map (40,000 keys took 38 s); duplicates are found here with a set instead, in linear time.
 * - `resolveKnownTags: false`: `!!binary`, `!!set`, `!!timestamp` would turn into Buffers, Sets
 *   and Dates no suite key takes; every tag but the plain core ones is refused below.
 * - `maxAliasCount`: the library's own guard against alias expansion ("billion laughs"), kept as a
 *   second line behind the expanded-size count below, which names the alias that crosses it.
 */
export interface YamlResult {
  value: unknown;
  problems: string[];
}

/** Plain YAML needs no explicit tag; these are the ones that change nothing a suite could not say untagged. */
const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/** Nodes the document may grow to once aliases are expanded: far above any real suite, far below a memory problem. */
export const MAX_EXPANDED_NODES = 100_000;
export const MAX_DEPTH = 64;

const LIBRARY_MESSAGES: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: "the file holds more than one YAML document (a '---' line); a suite is one document",
  DUPLICATE_KEY: "duplicate key; keep one",
};

export function parseSuiteYaml(text: string): YamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, resolveKnownTags: false, lineCounter, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return "";
    const { line, col } = lineCounter.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  const libraryProblem = (e: YAMLError) => {
    const message = LIBRARY_MESSAGES[e.code] ?? (e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    return `${at(e.pos[0]) || "YAML"}: invalid YAML: ${message}`;
  };
  if (doc.errors.length > 0) return { value: undefined, problems: doc.errors.map(libraryProblem) };

  const problems = checkTree(doc.contents, at);
  // Tag warnings are reported by checkTree with their key path; any other warning is a problem too.
  problems.push(...doc.warnings.filter((w) => w.code !== "TAG_RESOLVE_FAILED").map(libraryProblem));
  if (problems.length > 0) return { value: undefined, problems };
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }), problems: [] };
  } catch (err) {
    // Reached only if checkTree let something through; still the user's file, still one line.
    return { value: undefined, problems: [`YAML: cannot be read: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`] };
  }
}

/**
 * Walks the node tree in document order: duplicate and non-scalar keys, tags, aliases (defined
 * before use, not inside their own anchor, and the total size once expanded), nesting depth.
 */
function checkTree(root: unknown, at: (offset: number | undefined) => string): string[] {
  const problems: string[] = [];
  /** Size of each anchored node once expanded; undefined while the node is still being walked. */
  const anchors = new Map<string, number | undefined>();
  let expanded = 0;
  let tooBig = false;

  const walk = (node: unknown, path: (string | number)[]): number => {
    const where = () => formatPath(path) || at((node as Node).range?.[0]) || "(top level)";
    if (path.length > MAX_DEPTH) {
      problems.push(`${formatPath(path.slice(0, 3))}…: nested deeper than ${MAX_DEPTH} levels; a suite never needs that`);
      return 1;
    }
    if (isAlias(node)) {
      const size = anchors.get(node.source);
      if (!anchors.has(node.source)) {
        problems.push(`${where()}: alias *${node.source} has no anchor &${node.source} before it; define the anchor first, or write the value out`);
        return 1;
      }
      if (size === undefined) {
        problems.push(`${where()}: alias *${node.source} is inside the node anchored &${node.source} itself; a suite cannot be recursive`);
        return 1;
      }
      grow(size, where);
      return size;
    }
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return 0;
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      problems.push(`${where()}: unknown YAML tag ${shortTag(node.tag)}; remove it (a suite uses plain YAML values)`);
    }
    const anchor = node.anchor;
    if (anchor !== undefined) anchors.set(anchor, undefined);
    let size = 1;
    grow(1, where);
    if (isMap(node)) {
      const seen = new Map<string, number | undefined>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (!isScalar(key) || key.value === null || key.value === "") {
          const what = key === null || isScalar(key) ? "an empty key" : isAlias(key) ? "an alias as a key" : "a list or mapping as a key";
          const keyAt = at(key?.range?.[0] ?? (pair.value as Node | null)?.range?.[0]);
          problems.push(
            path.length > 0 ? `${formatPath(path)}: ${what} (${keyAt}); keys are plain names` : `${keyAt || "(top level)"}: ${what}; keys are plain names`,
          );
          continue;
        }
        // A plain scalar key: a string, or a number, boolean or null that toJS turns into its text.
        const name = typeof key.value === "string" ? key.value : `${key.value as number}`;
        const keyPath = [...path, name];
        if (seen.has(name)) {
          const first = seen.get(name);
          const firstLine = first === undefined ? "" : ` (first at ${at(first)})`;
          problems.push(`${formatPath(keyPath)}: duplicate key${firstLine}; keep one`);
        } else seen.set(name, key.range?.[0]);
        if (key.tag !== undefined && !CORE_TAGS.has(key.tag)) {
          problems.push(`${formatPath(keyPath)}: unknown YAML tag ${shortTag(key.tag)} on the key; remove it`);
        }
        size += walk(pair.value, keyPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => (size += walk(item, [...path, i])));
    }
    if (anchor !== undefined) anchors.set(anchor, size);
    return size;
  };

  const grow = (n: number, where: () => string) => {
    expanded += n;
    if (expanded > MAX_EXPANDED_NODES && !tooBig) {
      tooBig = true;
      problems.push(
        `${where()}: the document has more than ${MAX_EXPANDED_NODES.toLocaleString("en-US")} values once its aliases are expanded; use fewer aliases or values (a suite is small)`,
      );
    }
  };

  walk(root, []);
  return problems;
}

/** `!foo` as written, `!!binary` for the YAML 1.1 tags. */
function shortTag(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
}
