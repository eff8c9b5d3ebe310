/**
 * Run references (`latest`, `latest~N`, an id or its prefix): a module of its own, so that `bench
 * show` loads neither zod nor the baseline and JSON readers of sides.ts.
 */
import { UserError } from "../errors.js";
import type { Store } from "../store/db.js";

export const REF_FORMS = "a run id or unambiguous prefix, latest, latest~N (N runs before the latest), baseline:NAME or a JSON file";

/**
 * The checks of a run reference the store does not make: an empty reference would be a prefix of
 * every id, and `latest~N` needs an N the database can count to. Made before the store is opened.
 */
export function checkRunRef(ref: string): void {
  if (ref === "") throw new UserError(`an empty run reference; give ${REF_FORMS}`);
  const back = /^latest~(.*)$/s.exec(ref);
  if (back && !/^\d{1,15}$/.test(back[1] as string)) {
    throw new UserError(`${ref}: after latest~ give how many runs back, a whole number such as latest~1`);
  }
}

/** The store's run for `ref`, after checkRunRef. */
export function resolveRun(store: Store, ref: string): string {
  checkRunRef(ref);
  return store.resolveRun(ref);
}
