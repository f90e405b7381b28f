import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { compile } from "../src/index.ts";
import { toJSON } from "../src/rego/value.ts";

const lib = "/work/shared/corpus/gatekeeper-library/library/";
for (const name of [
  "general/allowedrepos",
  "pod-security-policy/capabilities",
  "general/requiredlabels",
  "general/containerlimits",
]) {
  const t = parse(readFileSync(lib + name + "/template.yaml", "utf8"));
  const t0t = t.spec.targets[0];
  const code = t0t.code?.find((c: { engine: string }) => c.engine === "Rego")?.source;
  const tgt = t0t.rego ? t0t : code;
  const mods = [
    { file: "t.rego", source: tgt.rego, regoVersion: 0 as const },
    ...(tgt.libs ?? []).map((s: string, i: number) => ({
      file: `l${i}.rego`,
      source: s,
      regoVersion: 0 as const,
    })),
  ];
  const pkg = /package\s+([\w.]+)/.exec(tgt.rego)![1];
  const p = compile(mods);
  const q = p.prepare(`x := data.${pkg}.violation`);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "a", labels: { app: "x" } },
    spec: {
      containers: Array.from({ length: Number(process.env.NC ?? 3) }, (_, i) => ({
        name: "c" + i,
        image: "nginx:" + i,
        securityContext: { capabilities: { add: ["NET_ADMIN"] } },
        resources: { limits: { cpu: "100m", memory: "1Gi" } },
      })),
    },
  };
  const input = {
    review: { object: pod, kind: { kind: "Pod", group: "", version: "v1" } },
    parameters: {
      repos: ["nginx"],
      labels: [{ key: "owner" }],
      allowedCapabilities: [],
      requiredDropCapabilities: ["ALL"],
      cpu: "200m",
      memory: "2Gi",
    },
  };
  let r = q.eval({ input });
  const n = 5000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) r = q.eval({ input });
  const dt = performance.now() - t0;
  console.log(
    name,
    ((dt / n) * 1000).toFixed(1),
    "us/eval",
    JSON.stringify(toJSON(r[0].x as never)).slice(0, 200),
  );
}
