import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { UserError, errorMessage } from "../errors.js";
import { BUNDLED_DECODER, CharDecoder } from "../serve/decoder.js";
import { startOpenAiServer } from "../serve/openai.js";
import { startServer } from "../serve/server.js";
import { type Outcome, OK } from "./outcome.js";

/**
 * `bench serve MODEL.onnx...`: serve the models over the KServe v2 REST protocol until SIGINT or
 * SIGTERM, then close and exit 0. The URL and model names go to stderr (stdout stays empty).
 */
export interface ServeOptions {
  port?: number;
  host: string;
  openai?: boolean;
  model?: string;
  decoder?: string;
  ttftMs?: number;
  gapMs?: number;
  slots?: number;
  tokensPerChunk?: number;
  stallEveryMs?: number;
  stallMs?: number;
  errorRate?: number;
  cutRate?: number;
  hangRate?: number;
  emptyChunks?: boolean;
  usage?: boolean;
}

export async function serveCommand(models: string[], opts: ServeOptions): Promise<Outcome> {
  if (opts.openai) {
    if (models.length > 0) throw new UserError(`bench serve --openai serves no model files (got ${models[0]}); drop them, or drop --openai`);
    return serveOpenAi(opts);
  }
  if (models.length === 0) throw new UserError("bench serve needs at least one MODEL.onnx file (or --openai)");
  for (const file of models) {
    if (!existsSync(file)) throw new UserError(`model file not found: ${file}`);
    if (statSync(file).isDirectory()) throw new UserError(`${file}: is a directory; give an .onnx model file`);
  }
  const port = checkPort(opts.port ?? 8500);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ models, host: opts.host, port });
  } catch (err) {
    throw listenError(err, port, opts.host);
  }
  const lines = [`bench serve: listening on ${server.url} (KServe v2 REST)`];
  for (const name of server.models) lines.push(`  ${name}  ${server.url}/v2/models/${name}/infer`);
  lines.push("Ctrl-C to stop.");
  process.stderr.write(`${lines.join("\n")}\n`);
  await untilStopped();
  await server.close();
  process.stderr.write("bench serve: stopped\n");
  return OK;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be an integer from 0 to 65535, got ${port}`);
  return port;
}

function listenError(err: unknown, port: number, host: string): UserError {
  const code = (err as { code?: unknown }).code;
  if (code === "EADDRINUSE") return new UserError(`port ${port} on ${host} is in use; choose another with --port (0 picks a free one)`);
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") return new UserError(`cannot listen on --host ${host}: ${errorMessage(err)}`);
  return new UserError(errorMessage(err));
}

async function serveOpenAi(opts: ServeOptions): Promise<Outcome> {
  const port = checkPort(opts.port ?? 8000);
  if ((opts.stallEveryMs === undefined) !== (opts.stallMs === undefined)) throw new UserError("--stall-every-ms and --stall-ms go together; give both");
  if (opts.stallEveryMs !== undefined && opts.stallMs !== undefined && opts.stallMs >= opts.stallEveryMs) {
    throw new UserError(`--stall-ms (${opts.stallMs}) must be shorter than --stall-every-ms (${opts.stallEveryMs})`);
  }
  if ((opts.errorRate ?? 0) + (opts.cutRate ?? 0) + (opts.hangRate ?? 0) > 1)
    throw new UserError("--error-rate, --cut-rate and --hang-rate add up to more than 1");
  const simulated = opts.ttftMs !== undefined || opts.gapMs !== undefined;
  if (simulated && opts.decoder !== undefined)
    throw new UserError("--decoder computes every token, --ttft-ms and --gap-ms simulate a known timing instead; give one or the other");
  let decoder: CharDecoder | undefined;
  if (!simulated) {
    const file = opts.decoder ?? BUNDLED_DECODER;
    if (!existsSync(file)) throw new UserError(`--decoder: file not found: ${file}`);
    try {
      decoder = await CharDecoder.load(file);
    } catch (err) {
      throw new UserError(`--decoder: ${errorMessage(err)}`);
    }
  }
  const model = opts.model ?? (decoder ? "char-rnn" : "bench-echo");
  let server: Awaited<ReturnType<typeof startOpenAiServer>>;
  try {
    server = await startOpenAiServer({
      host: opts.host,
      port,
      model,
      ...(decoder ? { decoder } : {}),
      ...(opts.ttftMs !== undefined ? { ttftMs: opts.ttftMs } : {}),
      ...(opts.gapMs !== undefined ? { gapMs: opts.gapMs } : {}),
      ...(opts.slots !== undefined ? { slots: opts.slots } : {}),
      ...(opts.tokensPerChunk !== undefined ? { tokensPerChunk: opts.tokensPerChunk } : {}),
      ...(opts.stallEveryMs !== undefined ? { stallEveryMs: opts.stallEveryMs } : {}),
      ...(opts.stallMs !== undefined ? { stallMs: opts.stallMs } : {}),
      errorRate: opts.errorRate ?? 0,
      cutRate: opts.cutRate ?? 0,
      hangRate: opts.hangRate ?? 0,
      emptyChunks: opts.emptyChunks === true,
      noUsage: opts.usage === false,
    });
  } catch (err) {
    await decoder?.close();
    throw listenError(err, port, opts.host);
  }
  const slots = `${opts.slots ?? 8} slots`;
  const timing = decoder
    ? `decoder ${path.basename(decoder.file)} on onnxruntime, one call per token (a token is a byte), ${slots}`
    : `simulated: first token ${opts.ttftMs ?? 50} ms, then one every ${opts.gapMs ?? 10} ms, ${slots}`;
  process.stderr.write(
    `bench serve: listening on ${server.url} (OpenAI-compatible, model ${server.model}; ${timing})\n` +
      `  ${server.url}/v1/chat/completions\n  ${server.url}/v1/completions\nCtrl-C to stop.\n`,
  );
  await untilStopped();
  await server.close();
  await decoder?.close();
  process.stderr.write("bench serve: stopped\n");
  return OK;
}

function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
