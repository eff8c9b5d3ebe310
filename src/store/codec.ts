import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { msToNs, nsToMs } from "../stats/metrics.js";

/*
 * How the store keeps what it holds most of (schema 5): a cell's JSON summary deflated against a
 * preset dictionary, and its samples as zigzag varints of the differences between successive
 * integer nanoseconds. A summary is a few hundred bytes then instead of 1.3–1.9 kB (its keys and
 * the wording of its notes are in the dictionary), and a sample 2–3 bytes instead of 8: a run of
 * 100-sample cells is stored in under 10 bytes per sample (docs/PERFORMANCE.md). Both are lossless;
 * samples that are not whole nanoseconds (the fake runner, a foreign file) stay float64.
 *
 * Every blob starts with its format byte. Never change a format that has shipped: add the next.
 */

const SUMMARY_DEFLATE_V1 = 1;
/**
 * Schema 7: a run's cell summary, or a trial's after the first, deflated against the dictionary
 * above followed by a reference summary (the same cell's in an earlier trial of the run, which
 * shares its keys, its notes and many of its numbers):
 * [format, trial (varint), 4 bytes of the reference's sha256, deflated]. 600 bytes become ~200.
 */
const SUMMARY_AGAINST_TRIAL = 2;
/** What zlib starts each summary's window with: typical summaries with their numbers zeroed (RFC 1950 §2.2, FDICT). Frozen with format 1. */
const SUMMARY_DICTIONARY_V1 = Buffer.from(
  [
    "noisy: the canary ran  % slow around this cell did not converge: the p50 interval is ±  over 2 trials (target ",
    "±2.0%) one trial: its intervals cannot include how much a fresh process differs no steady state found in  othe",
    "r processes used up to  % of the CPU could not prepare the cell:  inference failed:  ProviderUnavailableError ",
    '"status":"failed","error": "status":"skipped","error": "disturbed":false "load":{"mode":"closed","concurrency"',
    ': "mode":"open","rate": "provider":"http","threads":null{"id":"m/b/b1/cpu/t1","target":"m","variant":"b","batc',
    'h":0,"provider":"cpu","threads":0,"concurrency":null,"rate":null,"model":"suites/models/mlp-int8.onnx","sample',
    's":0,"samplesDropped":0,"steadyState":true,"latencyMs":{"p50":{"value":0,"ci":null},"p90":{"value":0,"ci":[0,0',
    ']},"p95":{"value":0,"ci":[0,0]},"p99":{"value":0,"ci":null},"p999":{"value":0,"ci":null},"mean":{"value":0,"ci',
    '":[0,0]},"stddev":0,"min":0,"max":0},"dependence":{"lag1":0,"autocorrelationTime":0,"effectiveN":0},"outliers"',
    ':{"lowSevere":0,"lowMild":0,"highMild":0,"highSevere":0,"mad":0},"throughput":{"value":0,"ci":[0,0],"unit":"it',
    'ems/s"},"accuracy":null,"coldStart":{"sessionCreateMs":0,"firstCallMs":0},"warmupIterations":0,"stopReason":"m',
    'ax-iterations","converged":false,"relativeCI":null,"elapsedMs":0,"peakRssKb":0,"noisy":false,"trials":null,"lo',
    'ad":null,"notes":["p50: 100 samples are worth about 3 independent ones here (autocorrelation time 29.42), too ',
    'few for a 95% interval (needs at least 6)","p99: 100 samples are too few for a 95% interval (needs at least 36',
    '8)","p999: 100 samples are too few for a 95% interval (needs at least 3688)","did not converge: stopped at max',
    '-iterations with the headline interval at ±Infinity%"],"status":"ok","error":null}{"id":"m/a/b1/cpu/t1","targe',
    't":"m","variant":"a","batch":0,"provider":"cpu","threads":0,"concurrency":null,"rate":null,"model":"suites/mod',
    'els/mlp-fp32.onnx","samples":0,"samplesDropped":0,"steadyState":true,"latencyMs":{"p50":{"value":0,"ci":[0,0]}',
    ',"p90":{"value":0,"ci":[0,0]},"p95":{"value":0,"ci":[0,0]},"p99":{"value":0,"ci":null},"p999":{"value":0,"ci":',
    'null},"mean":{"value":0,"ci":[0,0]},"stddev":0,"min":0,"max":0},"dependence":{"lag1":0,"autocorrelationTime":0',
    ',"effectiveN":0},"outliers":{"lowSevere":0,"lowMild":0,"highMild":0,"highSevere":0,"mad":0},"throughput":{"val',
    'ue":0,"ci":[0,0],"unit":"items/s"},"accuracy":null,"coldStart":{"sessionCreateMs":0,"firstCallMs":0},"warmupIt',
    'erations":0,"stopReason":"max-trials","converged":false,"relativeCI":0,"elapsedMs":0,"peakRssKb":0,"noisy":tru',
    'e,"trials":[{"trial":0,"samples":0,"samplesDropped":0,"p50":0,"p90":0,"p99":0,"mean":0,"throughput":0,"disturb',
    'ed":true},{"trial":0,"samples":0,"samplesDropped":0,"p50":0,"p90":0,"p99":0,"mean":0,"throughput":0,"disturbed',
    '":true}],"load":null,"notes":["p99: trials of 80 samples are too few for an interval (needs at least 100 each)',
    '","p999: trials of 80 samples are too few for an interval (needs at least 1000 each)","did not converge: the p',
    '50 interval is ±7.6% over 2 trials (target ±2.0%)"],"status":"ok","error":null}',
  ].join(""),
);

/**
 * Schema 8: a summary whose numbers are written apart from its JSON, each in the fewest bytes that
 * give back exactly the same double (a whole number of nanoseconds in ms as a varint of the
 * nanoseconds, a value that is a float32 (an output digest's) in 4 bytes, any other in 8; a short
 * one stays in the text), deflated against the dictionary followed by the summaries it refers to,
 * in the same form. A reference is (trial, ordinal) in the same run, trial 0 being the run's own
 * cell: [format, count (varint), (trial, ordinal) varints..., 4 bytes of the references' sha256
 * when there are any, deflated form]. The form is varint(n) + n bytes of number codes + the JSON
 * text with each coded number written 0.
 */
const SUMMARY_NUMBERS_V1 = 3;
const NUMBER_IN_TEXT = 0;
const NUMBER_FLOAT64 = 1;
const NUMBER_FLOAT32 = 2;
const NUMBER_WHOLE_NS = 3;

/** A summary of the same run that another is packed against: `trial` 0 is the run's own cell. */
export interface SummaryRef {
  trial: number;
  ordinal: number;
}

/** A summary as stored from schema 8 (format 3): alone, or against `refs` (their values as read back). */
export function packSummary(value: unknown, refs: readonly (SummaryRef & { value: unknown })[] = []): Buffer {
  const head: number[] = [SUMMARY_NUMBERS_V1];
  writeVarint(head, refs.length);
  for (const r of refs) {
    writeVarint(head, r.trial);
    writeVarint(head, r.ordinal);
  }
  const forms = refs.map((r) => numbersForm(r.value));
  const check = refs.length > 0 ? [referenceCheck(Buffer.concat(forms))] : [];
  return Buffer.concat([Buffer.from(head), ...check, deflateRawSync(numbersForm(value), { level: 9, dictionary: formsDictionary(forms) })]);
}

/** The summaries a stored summary refers to (format 3), or null when it is in another format. */
export function summaryRefs(stored: Buffer | string): SummaryRef[] | null {
  if (typeof stored === "string" || stored[0] !== SUMMARY_NUMBERS_V1) return null;
  return readRefs(stored, { i: 1 });
}

function readRefs(stored: Buffer, at: { i: number }): SummaryRef[] {
  return Array.from({ length: readVarint(stored, at) }, () => ({ trial: readVarint(stored, at), ordinal: readVarint(stored, at) }));
}

function unpackSummary(stored: Buffer, at: (ref: SummaryRef) => unknown): unknown {
  const i = { i: 1 };
  const refs = readRefs(stored, i);
  const forms = refs.map((r) => {
    const value = at(r);
    if (value === undefined) throw new Error(`a summary stored against ${refName(r)}, which is not there`);
    return numbersForm(value);
  });
  if (refs.length > 0) {
    if (!referenceCheck(Buffer.concat(forms)).equals(stored.subarray(i.i, i.i + 4))) {
      throw new Error(`a summary stored against ${refs.map(refName).join(" and ")}, which has changed since`);
    }
    i.i += 4;
  }
  let form: Buffer;
  try {
    form = inflateRawSync(stored.subarray(i.i), { dictionary: formsDictionary(forms) });
  } catch (err) {
    throw new Error(`a stored summary that cannot be read back (${(err as Error).message})`);
  }
  const f = { i: 0 };
  const n = readVarint(form, f);
  const side = { blob: form, i: f.i, end: f.i + n };
  const value = joinNumbers(JSON.parse(form.subarray(side.end).toString("utf8")), side);
  if (side.i !== side.end) throw new Error("a stored summary with more numbers than its text");
  return value;
}

const refName = (r: SummaryRef) => (r.trial === 0 ? `the run's cell ${r.ordinal}` : `trial ${r.trial}'s cell ${r.ordinal}`);

/** The dictionary followed by the references' forms, the last nearest; no more than zlib's 32 kB window holds. */
function formsDictionary(forms: readonly Buffer[]): Buffer {
  const dictionary = Buffer.concat([SUMMARY_DICTIONARY_V1, ...forms]);
  return dictionary.subarray(Math.max(0, dictionary.length - 32 * 1024 + 262));
}

/** varint(count) + one code per number (and its bytes) + the JSON text with the coded numbers written 0. */
function numbersForm(value: unknown): Buffer {
  const side: number[] = [];
  const text = JSON.stringify(splitNumbers(value, side) ?? null);
  const head: number[] = [];
  writeVarint(head, side.length);
  return Buffer.concat([Buffer.from(head), Buffer.from(side), Buffer.from(text)]);
}

function splitNumbers(value: unknown, side: number[]): unknown {
  if (typeof value === "number") return codeNumber(value, side);
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return splitNumbers((value as { toJSON: () => unknown }).toJSON(), side); // as JSON.stringify would write it
  }
  if (Array.isArray(value)) return value.map((v: unknown) => splitNumbers(v, side));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = splitNumbers(v, side);
    return out;
  }
  return value;
}

const scratch = Buffer.alloc(8);

/** The shortest exact code of one number (pushed on `side`), and what the text holds in its place. */
function codeNumber(x: number, side: number[]): number {
  if (!Number.isFinite(x)) return x; // JSON writes null: no number in the text, so no code
  const text = JSON.stringify(x);
  if (text.length <= 4) {
    side.push(NUMBER_IN_TEXT);
    return x;
  }
  const ns = Math.round(x * 1e6);
  const whole: number[] = [];
  if (Number.isSafeInteger(ns) && ns >= 0 && ns / 1e6 === x) writeVarint(whole, ns);
  const float32 = Math.fround(x) === x;
  const costs = [text.length, whole.length > 0 ? whole.length : Infinity, float32 ? 4 : Infinity, 8];
  const best = costs.indexOf(Math.min(...costs));
  if (best === 0) {
    side.push(NUMBER_IN_TEXT);
    return x;
  }
  if (best === 1) side.push(NUMBER_WHOLE_NS, ...whole);
  else if (best === 2) {
    scratch.writeFloatLE(x, 0);
    side.push(NUMBER_FLOAT32, ...scratch.subarray(0, 4));
  } else {
    scratch.writeDoubleLE(x, 0);
    side.push(NUMBER_FLOAT64, ...scratch.subarray(0, 8));
  }
  return 0;
}

function joinNumbers(value: unknown, side: { blob: Buffer; i: number; end: number }): unknown {
  if (typeof value === "number") {
    if (side.i >= side.end) throw new Error("a stored summary with fewer numbers than its text");
    const code = side.blob[side.i++];
    const at = side.i;
    if (code === NUMBER_IN_TEXT) return value;
    if (code === NUMBER_WHOLE_NS) {
      const i = { i: at };
      const ns = readVarint(side.blob, i);
      side.i = i.i;
      return ns / 1e6;
    }
    if (code === NUMBER_FLOAT32 && at + 4 <= side.end) {
      side.i += 4;
      return side.blob.readFloatLE(at);
    }
    if (code === NUMBER_FLOAT64 && at + 8 <= side.end) {
      side.i += 8;
      return side.blob.readDoubleLE(at);
    }
    throw new Error(`a stored summary with a number in an unknown code (${code ?? "none"})`);
  }
  if (Array.isArray(value)) return value.map((v: unknown) => joinNumbers(v, side));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = joinNumbers(v, side);
    return out;
  }
  return value;
}

/**
 * Schema 8: a run's JSON column (its noise report, its list of trials) deflated against the
 * dictionary followed by the run's trial infos as stored, which it repeats (each trial's canary,
 * times and notes): [format, how many infos (varint), 4 bytes of their sha256, deflated].
 */
const RUN_JSON_AGAINST_INFOS = 4;

/** A run's JSON column against its trial infos' texts (in trial order), or its JSON text when there are none. */
export function packRunJson(value: unknown, infos: readonly string[]): Buffer | string {
  const text = JSON.stringify(value);
  if (infos.length === 0) return text;
  const head: number[] = [RUN_JSON_AGAINST_INFOS];
  writeVarint(head, infos.length);
  const dictionary = infosDictionary(infos);
  return Buffer.concat([Buffer.from(head), referenceCheck(infos.join("\n")), deflateRawSync(Buffer.from(text), { level: 9, dictionary })]);
}

/** A run's JSON column as stored (packRunJson, or the JSON text of schema 7 and before); `infos` gives the run's trial infos, as stored, in trial order. */
export function unpackRunJson(stored: Buffer | string, infos: () => readonly string[]): unknown {
  if (typeof stored === "string") return JSON.parse(stored);
  if (stored[0] !== RUN_JSON_AGAINST_INFOS) throw new Error(`a stored run column in an unknown format (${stored[0] ?? "empty"})`);
  const at = { i: 1 };
  const count = readVarint(stored, at);
  const all = infos();
  if (all.length < count) throw new Error(`a run column stored against ${count} trial infos, of which ${all.length} are there`);
  const used = all.slice(0, count);
  if (!referenceCheck(used.join("\n")).equals(stored.subarray(at.i, at.i + 4)))
    throw new Error(`a run column stored against its ${count} trial infos, which have changed since`);
  return JSON.parse(inflateRawSync(stored.subarray(at.i + 4), { dictionary: infosDictionary(used) }).toString("utf8"));
}

const infosDictionary = (infos: readonly string[]) => {
  const dictionary = Buffer.concat([SUMMARY_DICTIONARY_V1, Buffer.from(infos.join("\n"))]);
  return dictionary.subarray(Math.max(0, dictionary.length - 32 * 1024 + 262));
};

/** Schema 8: a trial's info (JSON: its canary, times and notes) deflated against the dictionary: [format, deflated]. */
const TEXT_DEFLATE_V1 = 5;

/** A JSON text as stored: deflated against the dictionary. */
export function packText(text: string): Buffer {
  return Buffer.concat([Buffer.of(TEXT_DEFLATE_V1), deflateRawSync(Buffer.from(text), { level: 9, dictionary: SUMMARY_DICTIONARY_V1 })]);
}

/** A stored text: packText's, or the text itself as schema 7 and before kept it. */
export function unpackText(stored: Buffer | string): string {
  if (typeof stored === "string") return stored;
  if (stored[0] !== TEXT_DEFLATE_V1) throw new Error(`a stored text in an unknown format (${stored[0] ?? "empty"})`);
  return inflateRawSync(stored.subarray(1), { dictionary: SUMMARY_DICTIONARY_V1 }).toString("utf8");
}

const SAMPLES_FLOAT64 = 0;
const SAMPLES_DELTA_VARINT = 1;
const SAMPLES_FROM_TRIALS = 2;
/** Below 2^52 a difference of two values and its zigzag code stay exact in a double. */
const MAX_PACKED = 2 ** 52;

/** A summary (any JSON value) as stored. */
export function packJson(value: unknown): Buffer {
  const text = Buffer.from(JSON.stringify(value));
  return Buffer.concat([Buffer.of(SUMMARY_DEFLATE_V1), deflateRawSync(text, { level: 9, dictionary: SUMMARY_DICTIONARY_V1 })]);
}

/**
 * A summary packed against `reference` (the text a trial's summary unpacks to, JSON.stringify of
 * its value): stored with which trial it is and a check that the reference read back is that one.
 */
export function packJsonAgainst(value: unknown, trial: number, reference: string): Buffer {
  const text = Buffer.from(JSON.stringify(value));
  const head: number[] = [SUMMARY_AGAINST_TRIAL];
  writeVarint(head, trial);
  return Buffer.concat([Buffer.from(head), referenceCheck(reference), deflateRawSync(text, { level: 9, dictionary: againstDictionary(reference) })]);
}

/** The trial a summary was packed against (packJsonAgainst), or null when it stands alone. */
export function summaryReference(stored: Buffer | string): number | null {
  if (typeof stored === "string" || stored[0] !== SUMMARY_AGAINST_TRIAL) return null;
  return readVarint(stored, { i: 1 });
}

const referenceCheck = (reference: string | Buffer) => createHash("sha256").update(reference).digest().subarray(0, 4);
/** zlib's window is 32 kB and the nearest bytes of the dictionary are the cheapest to refer to: the reference last, and no more of it than fits. */
const againstDictionary = (reference: string) => {
  const dictionary = Buffer.concat([SUMMARY_DICTIONARY_V1, Buffer.from(reference)]);
  return dictionary.subarray(Math.max(0, dictionary.length - 32 * 1024 + 262));
};

/**
 * A stored summary: packed (schema 5), packed against a trial's summary (schema 7: `reference`
 * gives that trial's stored summary), or JSON text as schema 4 kept it.
 */
export function unpackJson(stored: Buffer | string, reference?: (trial: number) => Buffer | string | undefined, refAt?: (ref: SummaryRef) => unknown): unknown {
  if (typeof stored === "string") return JSON.parse(stored);
  if (stored[0] === SUMMARY_NUMBERS_V1) return unpackSummary(stored, refAt ?? (() => undefined));
  if (stored[0] === SUMMARY_AGAINST_TRIAL) {
    const at = { i: 1 };
    const trial = readVarint(stored, at);
    const ref = reference?.(trial);
    if (ref === undefined) throw new Error(`a summary stored against trial ${trial}'s, which is not there`);
    const text = JSON.stringify(unpackJson(ref, reference, refAt)); // itself packed against an earlier trial's, perhaps
    if (!referenceCheck(text).equals(stored.subarray(at.i, at.i + 4))) throw new Error(`a summary stored against trial ${trial}'s, which has changed since`);
    return JSON.parse(inflateRawSync(stored.subarray(at.i + 4), { dictionary: againstDictionary(text) }).toString("utf8"));
  }
  if (stored[0] !== SUMMARY_DEFLATE_V1) throw new Error(`a stored summary in an unknown format (${stored[0] ?? "empty"})`);
  return JSON.parse(inflateRawSync(stored.subarray(1), { dictionary: SUMMARY_DICTIONARY_V1 }).toString("utf8"));
}

/** Samples (ns) as stored: varints of their differences when they are whole nanoseconds, else float64. */
export function packSamples(ns: Float64Array): Buffer {
  if (!ns.every((x) => Number.isInteger(x) && x >= 0 && x < MAX_PACKED)) {
    const out = Buffer.alloc(1 + ns.byteLength);
    out[0] = SAMPLES_FLOAT64;
    Buffer.from(ns.buffer, ns.byteOffset, ns.byteLength).copy(out, 1);
    return out;
  }
  const bytes: number[] = [SAMPLES_DELTA_VARINT];
  writeVarint(bytes, ns.length);
  let previous = 0;
  for (const x of ns) {
    const d = x - previous;
    previous = x;
    writeVarint(bytes, d >= 0 ? 2 * d : -2 * d - 1);
  }
  return Buffer.from(bytes);
}

/**
 * A cell's samples that are its trials' own (their steady part, in trial order, as measure/aggregate.ts
 * concatenates them): stored as which trials, from which sample, instead of a second copy.
 */
export function packTrialRefs(refs: readonly { trial: number; from: number }[]): Buffer {
  const bytes: number[] = [SAMPLES_FROM_TRIALS];
  writeVarint(bytes, refs.length);
  for (const r of refs) {
    writeVarint(bytes, r.trial);
    writeVarint(bytes, r.from);
  }
  return Buffer.from(bytes);
}

export type StoredSamples = { kind: "samples"; ns: Float64Array } | { kind: "trials"; refs: { trial: number; from: number }[] };

/** Stored samples: packed (schema 5), or the bare float64 blob schema 4 kept. */
export function unpackSamples(blob: Buffer, format: "packed" | "float64" = "packed"): StoredSamples {
  if (format === "float64") return { kind: "samples", ns: float64s(blob, 0) };
  const kind = blob[0];
  if (kind === SAMPLES_FLOAT64) return { kind: "samples", ns: float64s(blob, 1) };
  const at = { i: 1 };
  if (kind === SAMPLES_DELTA_VARINT) {
    const ns = new Float64Array(readVarint(blob, at));
    let previous = 0;
    for (let k = 0; k < ns.length; k++) {
      const z = readVarint(blob, at);
      previous += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      ns[k] = previous;
    }
    return { kind: "samples", ns };
  }
  if (kind === SAMPLES_FROM_TRIALS) {
    const refs = Array.from({ length: readVarint(blob, at) }, () => ({ trial: readVarint(blob, at), from: readVarint(blob, at) }));
    return { kind: "trials", refs };
  }
  throw new Error(`stored samples in an unknown format (${kind ?? "empty"})`);
}

/**
 * `aggregate` as slices of its trials' samples, or null when it is not (then it is stored itself).
 * The run's samples went through ms and back (aggregate.ts): compared, and later rebuilt, the same way.
 */
export function matchTrials(
  aggregate: Float64Array,
  trials: readonly { trial: number; dropped: number; ns: Float64Array }[],
): { trial: number; from: number }[] | null {
  const refs: { trial: number; from: number }[] = [];
  let at = 0;
  for (const t of trials) {
    const part = t.ns.length - t.dropped;
    if (part <= 0 || at + part > aggregate.length) continue;
    let same = true;
    for (let k = 0; k < part && same; k++) same = aggregate[at + k] === viaMs(t.ns[t.dropped + k] ?? NaN);
    if (!same) continue;
    refs.push({ trial: t.trial, from: t.dropped });
    at += part;
  }
  return at === aggregate.length && refs.length > 0 ? refs : null;
}

/** The cell's samples rebuilt from its trials' (see matchTrials). */
export function joinTrials(refs: readonly { trial: number; from: number }[], trialNs: ReadonlyMap<number, Float64Array>): Float64Array {
  const parts = refs.map((r) => (trialNs.get(r.trial) ?? new Float64Array(0)).subarray(r.from));
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    for (let k = 0; k < p.length; k++) out[at + k] = viaMs(p[k] ?? NaN);
    at += p.length;
  }
  return out;
}

const viaMs = (ns: number) => msToNs(nsToMs(ns));

function writeVarint(out: number[], n: number): void {
  let v = n;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function readVarint(blob: Buffer, at: { i: number }): number {
  let n = 0;
  let scale = 1;
  for (;;) {
    const b = blob[at.i++];
    if (b === undefined) throw new Error("stored samples end in the middle of a number");
    n += (b % 128) * scale;
    if (b < 128) return n;
    scale *= 128;
  }
}

/** Little-endian float64s from `offset`, copied into an aligned buffer: SQLite's blob may start at any byte offset. */
function float64s(blob: Buffer, offset: number): Float64Array {
  const copy = new Uint8Array(blob.subarray(offset));
  return new Float64Array(copy.buffer, 0, Math.floor(copy.byteLength / 8));
}
