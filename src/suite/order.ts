/** How the cells of a trial are ordered: a new seeded shuffle per trial (interleaved), or the suite's order (sequential). */
export const ORDERS = ["interleaved", "sequential"] as const;
export type Order = (typeof ORDERS)[number];
