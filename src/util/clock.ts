/** A monotonic nanosecond clock; injectable so the loop can be tested deterministically. */
export type Clock = () => bigint;

export const monotonicClock: Clock = () => process.hrtime.bigint();
