import { mkdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * `mkdir -p`, one level at a time. Node's `mkdirSync(dir, { recursive: true })` loops forever at
 * full CPU where mkdir fails with ENOENT although the parent exists (under /proc); this fails at
 * once with that error instead.
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      statSync(d);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" || path.dirname(d) === d) throw err;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}
