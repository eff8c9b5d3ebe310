import { execFileSync } from "node:child_process";

/**
 * The CLI tests spawn bin/bench, which runs the compiled dist/: build it once, first, as `npm ci`
 * does (tsc, then the bundle of scripts/bundle.ts).
 */
export default function setup(): void {
  execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });
}
