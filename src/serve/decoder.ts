import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";
import type { Rng } from "../util/rng.js";

/** The bundled decoder (scripts/models/decoder.ts), from src/serve or dist/serve alike. */
export const BUNDLED_DECODER = fileURLToPath(new URL("../../suites/models/char-rnn-fp32.onnx", import.meta.url));

/** Printable ASCII: the bytes a generated token may be, so every token is one character of valid text. */
const FIRST_PRINTABLE = 32;
const LAST_PRINTABLE = 126;

/**
 * A byte-level decoder served by `bench serve --openai`: one onnxruntime call per token (inputs
 * `token` int64 [1] and `state` float32 [1, H]; outputs `logits` [1, ≥127] and `state_out`
 * [1, H]), the prompt's bytes fed first (prefill), then each sampled byte fed back. Its timing is
 * whatever the CPU takes, so TTFT grows with the prompt and TPOT with the model.
 */
export class CharDecoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    private readonly hidden: number,
  ) {}

  /** Loads FILE, checking its inputs and outputs; an Error naming the file and what is wrong otherwise. */
  static async load(file: string): Promise<CharDecoder> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, { logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (err) {
      throw new Error(`cannot load decoder ${file}: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
    }
    const state = session.inputMetadata.find((m) => m.name === "state");
    const shape = state?.isTensor ? state.shape : [];
    const hidden = shape[1];
    const names = (list: readonly { name: string }[]) =>
      list
        .map((m) => m.name)
        .sort()
        .join(", ");
    if (names(session.inputMetadata) !== "state, token" || names(session.outputMetadata) !== "logits, state_out" || typeof hidden !== "number" || hidden < 1) {
      await session.release();
      throw new Error(
        `${file} is not a decoder bench serve --openai can run: it needs inputs token int64 [1] and state float32 [1, H], outputs logits and state_out (see scripts/models/decoder.ts)`,
      );
    }
    return new CharDecoder(session, file, hidden);
  }

  /**
   * A generation: `prefill` runs the prompt's bytes, then each `next()` samples a printable byte
   * from the last logits (softmax at temperature 1, from `rng`), feeds it back, and returns it.
   */
  start(rng: Rng): { prefill(prompt: string): Promise<number>; next(): Promise<string> } {
    let state: ort.Tensor = new ort.Tensor("float32", new Float32Array(this.hidden), [1, this.hidden]);
    let logits: Float32Array | undefined;
    const step = async (byte: number): Promise<void> => {
      const out = await this.session.run({ token: new ort.Tensor("int64", BigInt64Array.of(BigInt(byte)), [1]), state });
      state = out.state_out as ort.Tensor;
      logits = (out.logits as ort.Tensor).data as Float32Array;
    };
    return {
      prefill: async (prompt) => {
        // A prompt of no bytes still starts from something: a newline.
        const bytes = prompt.length > 0 ? Buffer.from(prompt, "utf8") : Buffer.from("\n");
        for (const b of bytes) await step(b);
        return bytes.length;
      },
      next: async () => {
        const byte = sample(logits, rng);
        await step(byte);
        return String.fromCharCode(byte);
      },
    };
  }

  async close(): Promise<void> {
    await this.session.release().catch(() => undefined);
  }
}

/** A printable byte drawn from softmax(logits) restricted to printable ASCII. */
function sample(logits: Float32Array | undefined, rng: Rng): number {
  if (logits === undefined) return FIRST_PRINTABLE;
  let max = Number.NEGATIVE_INFINITY;
  for (let b = FIRST_PRINTABLE; b <= LAST_PRINTABLE; b++) max = Math.max(max, logits[b] ?? Number.NEGATIVE_INFINITY);
  let total = 0;
  for (let b = FIRST_PRINTABLE; b <= LAST_PRINTABLE; b++) total += Math.exp((logits[b] ?? Number.NEGATIVE_INFINITY) - max);
  let u = rng.next() * total;
  for (let b = FIRST_PRINTABLE; b <= LAST_PRINTABLE; b++) {
    u -= Math.exp((logits[b] ?? Number.NEGATIVE_INFINITY) - max);
    if (u <= 0) return b;
  }
  return LAST_PRINTABLE;
}
