import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ROOT } from "./helpers/cli.js";

/** docs/SCALING.md's examples are meant to run as written: their YAML parses and the shard counts agree. */
describe("docs/SCALING.md examples", () => {
  const text = readFileSync(path.join(ROOT, "docs/SCALING.md"), "utf8");
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const docs = blocks.flatMap((b) =>
    parseAllDocuments(b).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as Record<string, unknown>;
    }),
  );

  it("has a GitHub Actions workflow whose matrix and --shard agree, and whose merge job waits for the shards", () => {
    const wf = docs.find((d) => d.jobs !== undefined) as {
      jobs: Record<string, { needs?: string; strategy?: { matrix: { shard: number[] } }; steps: { run?: string }[] }>;
    };
    const { shard, merge } = wf.jobs;
    const n = shard?.strategy?.matrix.shard.length;
    expect(shard?.strategy?.matrix.shard).toEqual(Array.from({ length: n ?? 0 }, (_, i) => i + 1));
    expect(shard?.steps.some((s) => s.run?.includes(`--shard \${{ matrix.shard }}/${n}`))).toBe(true);
    expect(merge?.needs).toBe("shard");
    expect(merge?.steps.some((s) => /npx bench merge parts\/shard-\*\.json/.test(s.run ?? ""))).toBe(true);
  });

  it("has a Kubernetes Indexed Job whose completions and --shard agree, on a volume the merge Job reads", () => {
    type Job = {
      kind: string;
      metadata: { name: string };
      spec: Record<string, unknown> & { template: { spec: { containers: { args: string[] }[]; volumes: { persistentVolumeClaim: { claimName: string } }[] } } };
    };
    const jobs = docs.filter((d) => d.kind === "Job") as Job[];
    const shards = jobs.find((j) => j.spec.completionMode === "Indexed");
    const merge = jobs.find((j) => j !== shards);
    expect(shards?.spec.completions).toBe(shards?.spec.parallelism);
    const script = shards?.spec.template.spec.containers[0]?.args.join("\n") ?? "";
    expect(script).toContain("$((JOB_COMPLETION_INDEX + 1))");
    expect(script).toContain(`--shard "$shard/${String(shards?.spec.completions)}"`);
    expect(merge?.spec.template.spec.containers[0]?.args.join("\n")).toMatch(/npx bench merge \/results\/shard-\*\.json/);
    const claims = jobs.map((j) => j.spec.template.spec.volumes[0]?.persistentVolumeClaim.claimName);
    const pvc = docs.find((d) => d.kind === "PersistentVolumeClaim") as { metadata: { name: string } };
    expect(claims).toEqual([pvc.metadata.name, pvc.metadata.name]);
  });
});
