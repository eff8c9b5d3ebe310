import { InvalidArgumentError } from "commander";

/**
 * Parsers of option values: each rejects a bad value with what to give instead, which commander
 * prints after the option's name (exit 2). Numbers are written in digits: `1e308` or `0x10` for a
 * count is a typo, not a request.
 */

/** The seeds are 32-bit (util/rng.ts). */
const MAX_SEED = 2 ** 32 - 1;
/** Each trial is a process of its own; more than this is a typo. */
const MAX_TRIALS = 1000;

function wholeNumber(min: number, max: number, example: number, why = ""): (v: string) => number {
  return (v) => {
    const n = /^\d{1,16}$/.test(v.trim()) ? Number(v.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, e.g. ${example}${why}`);
    return n;
  };
}

export const parseLimit = wholeNumber(1, 1_000_000, 20);
export const parseSeed = wholeNumber(0, MAX_SEED, 42);
export const parseRuns = wholeNumber(2, 100, 5, " (calibration compares pairs of runs: give at least 2)");
export const parsePort = wholeNumber(0, 65_535, 8500);
// The hidden `bench trial`: what `bench run` passes on, whatever the suite asked for.
export const parseTrialNumber = wholeNumber(1, Number.MAX_SAFE_INTEGER, 1);

/** A duration in ms (`bench serve --openai`'s timing): a number from 0 to one hour. */
export function parseMs(v: string): number {
  const n = v.trim() === "" ? NaN : Number(v.trim());
  if (!Number.isFinite(n) || n < 0 || n > 3_600_000) throw new InvalidArgumentError("expected milliseconds from 0 to 3600000, e.g. 50");
  return n;
}

/** A probability (a fault's share of streams). */
export function parseShare(v: string): number {
  const n = v.trim() === "" ? NaN : Number(v.trim());
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("expected a share from 0 to 1, e.g. 0.05");
  return n;
}

export const parseSlots = wholeNumber(1, 100_000, 8);
export const parseTokensPerChunk = wholeNumber(1, 1000, 4);

export function parseTrials(v: string): { min: number; max: number } {
  const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(v.trim());
  const min = Number(m?.[1]);
  const max = Number(m?.[2] ?? m?.[1]);
  if (!m || !(min >= 1) || !(max >= min) || max > MAX_TRIALS) {
    throw new InvalidArgumentError(`expected a number of trials such as 5, or a range MIN-MAX such as 3-8 (1 to ${MAX_TRIALS})`);
  }
  return { min, max };
}

export function parseFraction(v: string): number {
  const t = v.trim();
  const n = t === "" ? NaN : t.endsWith("%") ? Number(t.slice(0, -1)) / 100 : Number(t);
  if (!Number.isFinite(n) || n <= 0 || n > 10) throw new InvalidArgumentError("expected a relative threshold above 0 and at most 10, such as 0.05 (or 5%)");
  return n;
}

/** A value that must say something: an empty `--baseline ''` (an unset CI variable) would silently mean "none". */
export function nonEmpty(what: string): (v: string) => string {
  return (v) => {
    if (v.trim() === "") throw new InvalidArgumentError(`expected ${what}, got an empty value`);
    return v;
  };
}

/** A repeatable option: every value kept, none empty. */
export function collectNonEmpty(what: string): (v: string, prev?: string[]) => string[] {
  const check = nonEmpty(what);
  return (v, prev = []) => [...prev, check(v)];
}

/** More parts than this is a typo: no CI matrix or Kubernetes Job runs a thousand pods of one benchmark. */
const MAX_SHARDS = 1000;

/** `I/N` with 1 ≤ I ≤ N: the I-th of N parts (`--shard`, `--load-shard`). */
export function parseShard(v: string): { index: number; count: number } {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(v.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !(count >= 1) || count > MAX_SHARDS || !(index >= 1) || index > count) {
    throw new InvalidArgumentError(`expected I/N with 1 <= I <= N <= ${MAX_SHARDS}, such as 2/3 (the 2nd of 3 parts)`);
  }
  return { index, count };
}

/** A number in (low, high), e.g. a confidence. */
function numberBetween(low: number, high: number, example: string): (v: string) => number {
  return (v) => {
    const t = v.trim();
    const n = t === "" ? NaN : t.endsWith("%") ? Number(t.slice(0, -1)) / 100 : Number(t);
    if (!(n > low && n < high)) throw new InvalidArgumentError(`expected a number above ${low} and below ${high}, such as ${example}`);
    return n;
  };
}

export const parseConfidence = numberBetween(0.5, 1, "0.95 (or 95%)");
export const parseResolution = numberBetween(0, 1, "0.05 (or 5%)");
/** A load: requests/s or requests in flight. */
export const parseLoad = numberBetween(0, 1_000_001, "50");
export const parseStepMs = wholeNumber(100, 3_600_000, 2000);
export const parseMaxSteps = wholeNumber(1, 1000, 30);
