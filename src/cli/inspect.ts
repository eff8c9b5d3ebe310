import { jsonText } from "../report/format.js";
import { renderModel } from "../report/model-table.js";
import { describeModel } from "../runners/model-file.js";
import { OK, type Outcome } from "./outcome.js";

export interface InspectOptions {
  json?: boolean;
}

/** `bench inspect MODEL.onnx`: what the file declares, before any suite is written for it. */
export function inspectCommand(file: string, opts: InspectOptions): Outcome {
  const model = describeModel(file);
  process.stdout.write(opts.json ? jsonText(model) : renderModel(model));
  return OK;
}
