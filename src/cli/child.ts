import type { ChildProcess } from "node:child_process";
import { ExitCode } from "../errors.js";
import { INTERRUPT_SIGNALS } from "./outcome.js";
import type { Interrupt } from "./plan.js";

/** After the first signal, how long a child may take to store its work before it is told again. */
const PATIENCE_MS = 30_000;
/** After the second, how long before it is killed outright. */
const GRACE_MS = 2_000;

/**
 * Pass this command's interrupt on to a child that runs in its own process group (a terminal's
 * Ctrl-C reaches this process only, so the child gets each signal exactly once): the first
 * signal as it came, the second (or the first, if the child has not finished within PATIENCE_MS)
 * once more, which makes the child stop at once, and SIGKILL when even that is not obeyed within
 * GRACE_MS. Returns the function that stops listening, for when the child has ended.
 */
export function forwardInterrupt(child: ChildProcess, interrupt: Pick<Interrupt, "signal" | "force">): () => void {
  const timers: NodeJS.Timeout[] = [];
  const alive = () => child.exitCode === null && child.signalCode === null;
  const send = (name: NodeJS.Signals) => {
    if (alive()) child.kill(name);
  };
  const force = () => {
    send(interrupt.signal.reason as NodeJS.Signals);
    timers.push(setTimeout(() => send("SIGKILL"), GRACE_MS).unref());
  };
  const first = () => {
    send(interrupt.signal.reason as NodeJS.Signals);
    timers.push(setTimeout(force, PATIENCE_MS).unref());
  };
  if (interrupt.signal.aborted) first();
  else interrupt.signal.addEventListener("abort", first, { once: true });
  interrupt.force.addEventListener("abort", force, { once: true });
  // This process exiting on its own (a third signal, a crash) takes the child along.
  const orphaned = () => send("SIGKILL");
  process.once("exit", orphaned);
  return () => {
    interrupt.signal.removeEventListener("abort", first);
    interrupt.force.removeEventListener("abort", force);
    process.off("exit", orphaned);
    timers.forEach(clearTimeout);
  };
}

/** A child that ended because this command was interrupted: by its own exit code for the signal, or killed by one. */
export function endedByInterrupt(code: number | null, signal: NodeJS.Signals | null): boolean {
  const codes = INTERRUPT_SIGNALS.map((name) => ExitCode[name]) as number[];
  return (code !== null && codes.includes(code)) || (signal !== null && [...INTERRUPT_SIGNALS, "SIGKILL"].includes(signal));
}
