/**
 * Writes the bundled benchmark models (suites/models/*.onnx). Deterministic: the same source
 * gives byte-identical files.
 *
 *   npm run models [-- <output-dir>]     (default: suites/models)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateModels } from "./models/catalog.js";
import { generateDecoder } from "./models/decoder.js";

const defaultDir = fileURLToPath(new URL("../suites/models/", import.meta.url));
const outDir = resolve(process.argv[2] ?? defaultDir);
mkdirSync(outDir, { recursive: true });
for (const model of [...generateModels(), generateDecoder()]) {
  const path = join(outDir, model.fileName);
  writeFileSync(path, model.bytes);
  process.stderr.write(`wrote ${path} (${(model.bytes.length / 1024).toFixed(1)} KiB)\n`);
}
