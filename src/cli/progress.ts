import { SingleBar } from "cli-progress";
import type { ProgressEvent } from "../measure/execute.js";
import { num } from "../report/format.js";

/**
 * Progress on stderr: a bar on a terminal, one plain line per finished cell otherwise (CI logs).
 */
export function createProgress(opts: { quiet: boolean; suite: string }): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  if (opts.quiet) return { onProgress: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: `${opts.suite} [{bar}] {value}/{total} cells | {cell}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    return {
      onProgress(e) {
        if (!started) {
          bar.start(e.total, 0, { cell: "" });
          started = true;
        }
        if (e.type === "cell-start") bar.update({ cell: `preparing ${e.cell.id}` });
        else bar.update(e.done, { cell: e.cell.id });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    onProgress(e) {
      if (e.type !== "cell-end") return;
      const width = String(e.total).length;
      const r = e.result;
      const detail =
        r.status === "ok" && r.latencyMs
          ? `p50 ${num(r.latencyMs.p50.value)} ms, n=${r.samples}${r.converged ? "" : ", not converged"}`
          : `${r.status}: ${r.error ?? ""}`;
      process.stderr.write(`[${String(e.done).padStart(width)}/${e.total}] ${r.id}  ${detail}\n`);
    },
    stop: () => undefined,
  };
}
