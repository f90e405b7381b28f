// Strips the TypeScript types from a production tree's own sources at build
// time (scripts/build-prod-tree.sh), so the services never load Node's type
// stripper: it costs every process ~30 MB RSS (a WebAssembly heap that is never
// given back). Types become whitespace, so line and column numbers stay. The
// tree's files may be hard links to the workspace's (pnpm injects workspace
// packages that way): each is replaced by a new file, never written in place.
// Leaves OUT/.types-stripped for deploy/image/entrypoint.mjs.
//
//   node scripts/strip-types.mjs OUT
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { join } from "node:path";

const out = process.argv[2];
if (!out || !existsSync(out)) {
  console.error("usage: node scripts/strip-types.mjs OUT (a tree made by scripts/build-prod-tree.sh)");
  process.exit(2);
}

/** The source folders the services run from: each service's src and its injected workspace packages' src. */
function sourceDirs(tree) {
  const dirs = [];
  for (const svc of readdirSync(tree)) {
    const root = join(tree, svc);
    if (!statSync(root).isDirectory()) continue;
    if (existsSync(join(root, "src"))) dirs.push(join(root, "src"));
    const pnpm = join(root, "node_modules", ".pnpm");
    if (!existsSync(pnpm)) continue;
    for (const e of readdirSync(pnpm)) {
      if (!e.startsWith("@portcullis+")) continue;
      const scope = join(pnpm, e, "node_modules", "@portcullis");
      for (const pkg of readdirSync(scope)) {
        const src = join(scope, pkg, "src");
        if (existsSync(src) && statSync(join(scope, pkg)).isDirectory()) dirs.push(src);
      }
    }
  }
  return dirs;
}

function tsFiles(dir, acc = []) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) tsFiles(p, acc);
    else if (e.endsWith(".ts") && !e.endsWith(".d.ts")) acc.push(p);
  }
  return acc;
}

let n = 0;
for (const dir of sourceDirs(out))
  for (const file of tsFiles(dir)) {
    const stripped = stripTypeScriptTypes(readFileSync(file, "utf8"));
    writeFileSync(`${file}.stripped`, stripped);
    renameSync(`${file}.stripped`, file);
    n++;
  }
writeFileSync(join(out, ".types-stripped"), `${n} files\n`);
console.error(`portcullis: stripped the types of ${n} source files in ${out}`);
