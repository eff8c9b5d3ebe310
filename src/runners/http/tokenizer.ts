/**
 * Local token counts from gpt-tokenizer, whose byte-pair vocabularies ship inside the npm package
 * (no download). Loaded only when a suite names one. A count is always of a whole text (every
 * delta of a response joined): tokenizing chunk by chunk over-counts ("Hel" + "lo" is two tokens,
 * "Hello" one; triton-inference-server/client#563 reports counts 2–3× too high that way).
 */

import type { TOKENIZERS } from "../../suite/schema.js";

export type TokenizerName = (typeof TOKENIZERS)[number];

export type CountTokens = (text: string) => number;

export async function loadTokenizer(name: TokenizerName): Promise<CountTokens> {
  const m = (await import(`gpt-tokenizer/encoding/${name}`)) as {
    countTokens: (text: string, options?: { disallowedSpecial?: Set<string> }) => number;
  };
  // A generated text may contain "<|endoftext|>" as plain text: count it, never throw.
  const options = { disallowedSpecial: new Set<string>() };
  return (text) => m.countTokens(text, options);
}
