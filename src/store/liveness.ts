import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who is writing a run: the host, the pid, and (on Linux) what tells that process apart from a
 * later one that reuses its pid: the boot id, the pid namespace and the process's start time in
 * clock ticks since boot (field 22 of /proc/PID/stat). Recorded when a run starts, so that a later
 * command can see that a run still `running` has no process left (SIGKILL, OOM killer, power loss).
 */
export interface Owner {
  host: string;
  pid: number;
  /** `BOOT_ID PID_NAMESPACE START_TICKS`, or null off Linux. */
  process: string | null;
}

export function currentOwner(): Owner {
  const start = startTicks(process.pid);
  const here = machine();
  return { host: hostname(), pid: process.pid, process: here && start !== null ? `${here.boot} ${here.pidNamespace} ${start}` : null };
}

/**
 * True only when the owner's process is certainly gone: it ran on this host and its pid is free,
 * or now names another process (another start time, or the machine has rebooted since). A run
 * from another host, or from another pid namespace on this one, is never judged.
 */
export function isGone(owner: Owner): boolean {
  if (owner.host !== hostname()) return false;
  const [boot, pidNamespace, start] = owner.process?.split(" ") ?? [];
  const here = machine();
  if (boot !== undefined && here) {
    if (boot !== here.boot) return true;
    if (pidNamespace !== here.pidNamespace) return false;
  }
  if (!alive(owner.pid)) return true;
  if (start === undefined || !here) return false;
  const now = startTicks(owner.pid);
  // Gone between the two checks, a zombie nobody has reaped yet, or the pid now names another process.
  return now === null || now !== start;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, and belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

let cached: { boot: string; pidNamespace: string } | null | undefined;
function machine(): { boot: string; pidNamespace: string } | null {
  if (cached === undefined) {
    try {
      cached = { boot: readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(), pidNamespace: readlinkSync("/proc/self/ns/pid") };
    } catch {
      cached = null;
    }
  }
  return cached;
}

/** The process's start time (ticks since boot), or null when it is gone, a zombie, or there is no /proc. */
function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
