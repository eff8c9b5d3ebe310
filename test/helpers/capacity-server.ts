import { type TestServer, startTestServer } from "./servers.js";

/**
 * A server of known capacity: one worker that serves requests one at a time in arrival order,
 * each for exactly `serviceMs`, so it completes at most 1000 / serviceMs requests per second.
 * Service runs in virtual time (request i ends at max(its arrival, the previous end) + serviceMs)
 * and the reply is sent by a timer at that instant, so a late timer delays a reply but never
 * lowers the throughput. A request whose client has gone (a timeout) is skipped, not served, so a
 * step that overloaded it leaves no backlog for the next one.
 */
export function singleWorkerServer(serviceMs: number): Promise<TestServer> {
  const queue: { arrival: number; reply: () => void; gone: () => boolean }[] = [];
  let busyUntil = 0;
  let working = false;
  const pump = (): void => {
    if (working) return;
    let job = queue.shift();
    while (job?.gone()) job = queue.shift();
    if (job === undefined) return;
    working = true;
    const end = Math.max(job.arrival, busyUntil) + serviceMs;
    busyUntil = end;
    const { reply } = job;
    setTimeout(
      () => {
        reply();
        working = false;
        pump();
      },
      Math.max(0, end - performance.now()),
    );
  };
  return startTestServer((req, res) => {
    req.resume();
    req.on("end", () => {
      queue.push({
        arrival: performance.now(),
        gone: () => res.destroyed || req.socket.destroyed,
        reply: () => {
          if (res.destroyed) return;
          res.writeHead(200, { "content-type": "application/json", "content-length": 11 });
          res.end('{"ok":true}');
        },
      });
      pump();
    });
  });
}
