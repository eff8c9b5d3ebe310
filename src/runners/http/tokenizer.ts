/**
 * Local token counts from gpt-tokenizer, whose byte-pair vocabularies ship inside the npm package
 * (no download). Loaded only when a suite names one. A count is always of a whole text (every
 * delta of a response joined): tokenizing chunk by chunk over-counts ("Hel" + "lo" is two tokens,
 * "Hello" one; triton-inference-server/client#563 reports counts 2–3× too high that way).
 */

import type { TOKENIZERS } from "../../suite/schema.js";

export type TokenizerName = (typeof TOKENIZERS)[number];

export type CountTokens = (text: string) => number;

interface Encoding {
  countTokens: (text: string, options?: { disallowedSpecial?: Set<string> }) => number;
}

/** Each vocabulary is a module of its own (a few MB): only the one named is loaded. */
const ENCODINGS: Record<TokenizerName, () => Promise<Encoding>> = {
  cl100k_base: () => import("gpt-tokenizer/encoding/cl100k_base"),
  o200k_base: () => import("gpt-tokenizer/encoding/o200k_base"),
  p50k_base: () => import("gpt-tokenizer/encoding/p50k_base"),
  r50k_base: () => import("gpt-tokenizer/encoding/r50k_base"),
};

export async function loadTokenizer(name: TokenizerName): Promise<CountTokens> {
  const m = await ENCODINGS[name]();
  // A generated text may contain "<|endoftext|>" as plain text: count it, never throw.
  const options = { disallowedSpecial: new Set<string>() };
  return (text) => m.countTokens(text, options);
}
