import { z } from "zod";

/** Bencher Metric Format as published (https://bencher.dev/bmf.json): benchmark → measure → {value, lower_value?, upper_value?}. */
export const bmfSchema = z.record(
  z.string().min(1),
  z.record(z.string().min(1), z.strictObject({ value: z.number(), lower_value: z.number().optional(), upper_value: z.number().optional() })),
);

/** github-action-benchmark's customSmallerIsBetter / customBiggerIsBetter input: an array of {name, unit, value, range?, extra?}. */
export const gabSchema = z.array(
  z.strictObject({ name: z.string().min(1), unit: z.string().min(1), value: z.number(), range: z.string().optional(), extra: z.string().optional() }),
);
