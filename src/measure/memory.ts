import { readFileSync, writeFileSync } from "node:fs";

/**
 * Peak resident set size per cell. On Linux, writing 5 to /proc/self/clear_refs resets the
 * high-water mark (VmHWM), so each cell's peak is its own; elsewhere we fall back to the
 * process's lifetime peak from getrusage, which only ever grows.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

export function peakRssKb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match?.[1]) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}
