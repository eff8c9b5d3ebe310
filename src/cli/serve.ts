import { existsSync, statSync } from "node:fs";
import { UserError, errorMessage } from "../errors.js";
import { startServer } from "../serve/server.js";
import { type Outcome, OK } from "./outcome.js";

/**
 * `bench serve MODEL.onnx...`: serve the models over the KServe v2 REST protocol until SIGINT or
 * SIGTERM, then close and exit 0. The URL and model names go to stderr (stdout stays empty).
 */
export interface ServeOptions {
  port: number;
  host: string;
}

export async function serveCommand(models: string[], opts: ServeOptions): Promise<Outcome> {
  if (models.length === 0) throw new UserError("bench serve needs at least one MODEL.onnx file");
  for (const file of models) {
    if (!existsSync(file)) throw new UserError(`model file not found: ${file}`);
    if (statSync(file).isDirectory()) throw new UserError(`${file}: is a directory; give an .onnx model file`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new UserError(`--port must be an integer from 0 to 65535, got ${opts.port}`);
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ models, host: opts.host, port: opts.port });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "EADDRINUSE") throw new UserError(`port ${opts.port} on ${opts.host} is in use; choose another with --port (0 picks a free one)`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new UserError(`cannot listen on --host ${opts.host}: ${errorMessage(err)}`);
    throw new UserError(errorMessage(err));
  }
  const lines = [`bench serve: listening on ${server.url} (KServe v2 REST)`];
  for (const name of server.models) lines.push(`  ${name}  ${server.url}/v2/models/${name}/infer`);
  lines.push("Ctrl-C to stop.");
  process.stderr.write(`${lines.join("\n")}\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  process.stderr.write("bench serve: stopped\n");
  return OK;
}
