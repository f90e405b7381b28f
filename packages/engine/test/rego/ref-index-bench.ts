/**
 * uniqueingresshost against 100 / 1k / 10k Ingresses in Gatekeeper's
 * data.inventory layout: µs per evaluation with the referential index and with
 * the scan (refIndex: false), side by side in one run; then reviews through the
 * framework Client while Ingresses are added.
 *
 *   node packages/engine/test/rego/ref-index-bench.ts
 */

import { libraryYaml } from "../../../../test/harness/corpus.ts";
import { Client } from "../../src/framework/index.ts";
import { compile, type Value } from "../../src/rego/index.ts";

type Template = { spec: { targets: { rego: string }[] } };
const rego = libraryYaml<Template>("general", "uniqueingresshost", "template.yaml").spec.targets[0].rego;
const query = compile([{ file: "t.rego", source: rego, regoVersion: 0 }]).prepare(
  "r = data.k8suniqueingresshost.violation",
);

const ingress = (ns: string, name: string, hosts: string[]) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name, namespace: ns },
  spec: { rules: hosts.map((host) => ({ host, http: { paths: [{ path: "/" }] } })) },
});

function inventory(n: number): Value {
  const namespace: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
  for (let i = 0; i < n; i++) {
    const ns = `ns-${i % 50}`;
    const name = `ing-${i}`;
    namespace[ns] ??= { "networking.k8s.io/v1": { Ingress: {} } };
    namespace[ns]["networking.k8s.io/v1"].Ingress[name] = ingress(ns, name, [`h${i}.example.com`]);
  }
  return { cluster: {}, namespace } as Value;
}

/** µs per call: the median over batches of 10 (a GC pause or a busy neighbour moves the mean, not the median). */
function perEval(fn: () => unknown, minMs = 400): number {
  for (let i = 0; i < 3; i++) fn();
  const batches: number[] = [];
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    const b = t;
    for (let i = 0; i < 10; i++) fn();
    t = performance.now();
    batches.push(((t - b) * 1000) / 10);
  }
  batches.sort((x, y) => x - y);
  return batches[batches.length >> 1];
}

const sizes = [100, 1000, 10000];
for (const n of [...sizes, ...sizes]) {
  const data = { inventory: inventory(n) };
  // a new Ingress whose second host is taken by an existing one
  const obj = ingress("other", "new", ["fresh.example.com", `h${n >> 1}.example.com`]);
  const input = {
    review: { kind: { group: "networking.k8s.io", version: "v1", kind: "Ingress" }, object: obj },
    parameters: {},
  };
  const a = query.eval({ input, data });
  const b = query.eval({ input, data, refIndex: false });
  if (JSON.stringify(a) !== JSON.stringify(b) || a.length !== 1) throw new Error(`results differ at ${n}`);
  const indexed = perEval(() => query.eval({ input, data }));
  const scan = perEval(() => query.eval({ input, data, refIndex: false }));
  console.log(
    `${String(n).padStart(6)} Ingresses: indexed ${indexed.toFixed(1)} µs/eval, scan ${scan.toFixed(1)} µs/eval (${(scan / indexed).toFixed(0)}x)`,
  );
}

// Through the framework Client: the index is built on the first review after a
// snapshot load, then carried over as Ingresses are added (one add per review).
{
  const client = new Client();
  const template = libraryYaml("general", "uniqueingresshost", "template.yaml");
  client.addTemplate(template);
  client.addConstraint({
    apiVersion: "constraints.gatekeeper.sh/v1beta1",
    kind: "K8sUniqueIngressHost",
    metadata: { name: "unique" },
    spec: {},
  });
  const n = 10000;
  const objs = Array.from({ length: n }, (_, i) =>
    ingress(`ns-${i % 50}`, `ing-${i}`, [`h${i}.example.com`]),
  );
  client.replaceData(objs);
  const obj = ingress("other", "new", ["fresh.example.com", `h${n >> 1}.example.com`]);
  let t = performance.now();
  if (client.review(obj).results.length !== 1) throw new Error("expected one violation");
  const first = (performance.now() - t) * 1000;
  const review = perEval(() => client.review(obj));
  let i = 0;
  const addAndReview = perEval(() => {
    client.addData(ingress(`ns-${i % 50}`, `added-${i++}`, [`a${i}.example.com`]));
    return client.review(obj);
  });
  t = performance.now();
  client.replaceData(objs);
  client.review(obj);
  const reload = (performance.now() - t) * 1000;
  console.log(
    `Client, ${n} Ingresses: first review ${first.toFixed(0)} µs (builds the index), review ${review.toFixed(1)} µs, addData + review ${addAndReview.toFixed(1)} µs, replaceData + review ${reload.toFixed(0)} µs`,
  );
}
