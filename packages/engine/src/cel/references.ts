// Which `variables.<name>` a parsed CEL expression reads, found by walking the
// protobuf AST generically (Expr messages nest through several oneof shapes).
export function referencedVariables(expr: unknown): string[] {
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    const kind = (node as { exprKind?: { case?: string; value?: any } }).exprKind;
    if (kind?.case === "selectExpr") {
      const operand = kind.value?.operand?.exprKind;
      if (operand?.case === "identExpr" && operand.value?.name === "variables") {
        out.add(kind.value.field as string);
        return;
      }
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === "$typeName") continue;
      if (typeof v === "object") walk(v);
    }
  };
  walk(expr);
  return [...out];
}
