import { execFileSync } from "node:child_process";

/** The CLI tests spawn bin/bench, which runs the compiled dist/: build it once, first. */
export default function setup(): void {
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
