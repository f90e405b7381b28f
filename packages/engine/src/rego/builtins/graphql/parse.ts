/**
 * A GraphQL parser following vektah/gqlparser (which OPA uses): the same
 * error messages and the same AST, rendered as the Go structs' JSON with
 * OPA's pruning (no positions, nulls or empty collections).
 */
import { GqlError } from "./errors.ts";
import { K, type Kind, Lexer, positions, type Token, tokenString } from "./lexer.ts";
import { VALUE_KIND } from "./nodes.ts";

export type Node = Record<string, unknown>;

type CommentGroup = { List: { Value: string }[] } | undefined;

class Parser {
  private lx: Lexer;
  private peeked: Token | undefined;
  /** Comments directly before the peeked token (gqlparser's p.comment). */
  comment: CommentGroup;
  prev: Token;
  constructor(src: string) {
    this.lx = new Lexer(src);
    this.prev = { kind: K.EOF, value: "", line: 1, column: 1 };
  }
  peek(): Token {
    if (!this.peeked) {
      let t = this.lx.next();
      if (t.kind === K.Comment) {
        const list: { Value: string }[] = [];
        while (t.kind === K.Comment) {
          list.push({ Value: t.value });
          t = this.lx.next();
        }
        this.comment = { List: list };
      }
      this.peeked = t;
    }
    return this.peeked;
  }
  /** The comments before the next token. */
  commentBefore(): CommentGroup {
    this.peek();
    return this.comment;
  }
  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    this.comment = undefined;
    this.prev = t;
    if (t.kind === K.Invalid) throw new GqlError(t.error ?? "Unexpected <Invalid>", t.line, t.column);
    return t;
  }
  error(t: Token, msg: string): never {
    throw new GqlError(msg, t.line, t.column);
  }
  unexpected(t: Token = this.peek()): never {
    return this.error(t, `Unexpected ${tokenString(t)}`);
  }
  expect(kind: Kind): Token {
    const t = this.peek();
    if (t.kind === kind) return this.next();
    return this.error(t, `Expected ${kind}, found ${t.kind}`);
  }
  expectKeyword(v: string): Token {
    const t = this.peek();
    if (t.kind === K.Name && t.value === v) return this.next();
    return this.error(t, `Expected ${JSON.stringify(v)}, found ${tokenString(t)}`);
  }
  skip(kind: Kind): boolean {
    if (this.peek().kind !== kind) return false;
    this.next();
    return true;
  }
  many(start: Kind, end: Kind, cb: () => void): void {
    if (!this.skip(start)) return;
    while (this.peek().kind !== end) cb();
    this.next();
  }
  /** Returns the comments before the closing token. */
  some(start: Kind, end: Kind, cb: () => void): CommentGroup {
    if (!this.skip(start)) return undefined;
    let called = false;
    while (this.peek().kind !== end) {
      called = true;
      cb();
    }
    if (!called) this.error(this.peek(), `expected at least one definition, found ${this.peek().kind}`);
    const comment = this.comment;
    this.next();
    return comment;
  }
  at<T extends object>(t: Token, node: T): T {
    positions.set(node, [t.line, t.column]);
    return node;
  }
  name(): string {
    return this.expect(K.Name).value;
  }

  // ---- queries ----
  queryDocument(): Node {
    const ops: Node[] = [];
    const frags: Node[] = [];
    while (this.peek().kind !== K.EOF) {
      const t = this.peek();
      if (t.kind === K.Name) {
        if (t.value === "query" || t.value === "mutation" || t.value === "subscription")
          ops.push(this.operation());
        else if (t.value === "fragment") frags.push(this.fragmentDefinition());
        else this.unexpected();
      } else if (t.kind === K.BraceL) ops.push(this.operation());
      else this.unexpected();
    }
    return { Operations: ops, Fragments: frags };
  }
  operation(): Node {
    const t = this.peek();
    if (t.kind === K.BraceL)
      return this.at(t, { Operation: "query", Name: "", SelectionSet: this.requiredSelectionSet() });
    const comment = this.commentBefore();
    const op = this.operationType();
    const name = this.peek().kind === K.Name ? this.next().value : "";
    return this.at(t, {
      Comment: comment,
      Operation: op,
      Name: name,
      VariableDefinitions: this.variableDefinitions(),
      Directives: this.directives(false),
      SelectionSet: this.requiredSelectionSet(),
    });
  }
  operationType(): string {
    const t = this.next();
    if (t.value === "query" || t.value === "mutation" || t.value === "subscription") return t.value;
    return this.unexpected(t);
  }
  variableDefinitions(): Node[] {
    const defs: Node[] = [];
    this.some(K.ParenL, K.ParenR, () => {
      const t = this.peek();
      const comment = this.comment;
      const v = this.variable();
      this.expect(K.Colon);
      const type = this.typeReference();
      const def: Node = { Variable: v, Type: type, Used: false, Comment: comment };
      if (this.skip(K.Equals)) def.DefaultValue = this.value(true);
      def.Directives = this.directives(false);
      defs.push(this.at(t, def));
    });
    return defs;
  }
  variable(): string {
    this.expect(K.Dollar);
    return this.name();
  }
  requiredSelectionSet(): Node[] {
    const t = this.peek();
    if (t.kind !== K.BraceL) this.error(t, `Expected ${K.BraceL}, found ${t.kind}`);
    const sel: Node[] = [];
    this.some(K.BraceL, K.BraceR, () => sel.push(this.selection()));
    return sel;
  }
  selection(): Node {
    if (this.peek().kind === K.Spread) {
      const comment = this.comment;
      this.next();
      const t = this.peek();
      if (t.kind === K.Name && t.value !== "on")
        return this.at(t, {
          Name: this.fragmentName(),
          Directives: this.directives(false),
          Comment: comment,
          __kind: "spread",
        });
      const node: Node = { TypeCondition: "", Comment: comment, __kind: "inline" };
      if (t.value === "on") {
        this.next();
        node.TypeCondition = this.name();
      }
      node.Directives = this.directives(false);
      node.SelectionSet = this.requiredSelectionSet();
      return this.at(t, node);
    }
    const t = this.peek();
    const comment = this.comment;
    const alias = this.name();
    const name = this.skip(K.Colon) ? this.name() : alias;
    const f: Node = {
      Alias: alias,
      Name: name,
      Comment: comment,
      Arguments: this.arguments(false),
      Directives: this.directives(false),
      __kind: "field",
    };
    if (this.peek().kind === K.BraceL) {
      const sel: Node[] = [];
      this.some(K.BraceL, K.BraceR, () => sel.push(this.selection()));
      f.SelectionSet = sel;
    }
    return this.at(t, f);
  }
  arguments(isConst: boolean): Node[] {
    const args: Node[] = [];
    this.some(K.ParenL, K.ParenR, () => {
      const t = this.peek();
      const comment = this.comment;
      const name = this.name();
      this.expect(K.Colon);
      args.push(this.at(t, { Name: name, Value: this.value(isConst), Comment: comment }));
    });
    return args;
  }
  fragmentDefinition(): Node {
    const t = this.peek();
    const comment = this.comment;
    this.expectKeyword("fragment");
    const name = this.fragmentName();
    const vars = this.variableDefinitions();
    this.expectKeyword("on");
    const tc = this.name();
    return this.at(t, {
      Comment: comment,
      Name: name,
      VariableDefinition: vars,
      TypeCondition: tc,
      Directives: this.directives(false),
      SelectionSet: this.requiredSelectionSet(),
    });
  }
  fragmentName(): string {
    if (this.peek().value === "on") this.unexpected();
    return this.name();
  }
  value(isConst: boolean): Node {
    const t = this.peek();
    const comment = this.comment;
    const mk = (kind: number, raw: string, children?: Node[], c?: CommentGroup) =>
      this.at(t, {
        Raw: raw,
        Children: children ?? null,
        Kind: kind,
        ExpectedTypeHasDefault: false,
        Comment: c,
      });
    switch (t.kind) {
      case K.BracketL: {
        const items: Node[] = [];
        this.many(K.BracketL, K.BracketR, () => items.push({ Name: "", Value: this.value(isConst) }));
        return mk(VALUE_KIND.List, "", items, comment);
      }
      case K.BraceL: {
        const fields: Node[] = [];
        this.many(K.BraceL, K.BraceR, () => {
          const ft = this.peek();
          const fc = this.comment;
          const name = this.name();
          this.expect(K.Colon);
          fields.push(this.at(ft, { Name: name, Value: this.value(isConst), Comment: fc }));
        });
        return mk(VALUE_KIND.Object, "", fields, comment);
      }
      case K.Dollar:
        if (isConst) this.unexpected();
        return mk(VALUE_KIND.Variable, this.variable());
      case K.Int:
      case K.Float:
      case K.String:
      case K.BlockString:
      case K.Name: {
        this.next();
        const kind =
          t.kind === K.Int
            ? VALUE_KIND.Int
            : t.kind === K.Float
              ? VALUE_KIND.Float
              : t.kind === K.String
                ? VALUE_KIND.String
                : t.kind === K.BlockString
                  ? VALUE_KIND.Block
                  : t.value === "true" || t.value === "false"
                    ? VALUE_KIND.Boolean
                    : t.value === "null"
                      ? VALUE_KIND.Null
                      : VALUE_KIND.Enum;
        return mk(kind, t.value);
      }
    }
    return this.unexpected();
  }
  directives(isConst: boolean): Node[] {
    const out: Node[] = [];
    while (this.peek().kind === K.At) {
      this.expect(K.At);
      const t = this.peek();
      out.push(this.at(t, { Name: this.name(), Arguments: this.arguments(isConst), Location: "" }));
    }
    return out;
  }
  typeReference(): Node {
    let typ: Node;
    if (this.skip(K.BracketL)) {
      const t = this.peek();
      typ = this.at(t, { NamedType: "", Elem: this.typeReference(), NonNull: false });
      this.expect(K.BracketR);
    } else {
      const t = this.peek();
      typ = this.at(t, { NamedType: this.name(), NonNull: false });
    }
    if (this.skip(K.Bang)) typ.NonNull = true;
    return typ;
  }

  // ---- schemas ----
  schemaDocument(): Node {
    const doc: Node & {
      Schema: Node[];
      SchemaExtension: Node[];
      Directives: Node[];
      Definitions: Node[];
      Extensions: Node[];
    } = {
      Schema: [],
      SchemaExtension: [],
      Directives: [],
      Definitions: [],
      Extensions: [],
    };
    while (this.peek().kind !== K.EOF) {
      const { text: description, comment: descComment } = this.descriptionWithComment();
      const t = this.peek();
      if (t.kind !== K.Name) this.unexpected();
      switch (t.value) {
        case "scalar":
        case "type":
        case "interface":
        case "union":
        case "enum":
        case "input":
          doc.Definitions.push(this.typeDefinition(description, descComment));
          break;
        case "schema":
          doc.Schema.push(this.schemaDefinition(description, descComment));
          break;
        case "directive":
          doc.Directives.push(this.directiveDefinition(description));
          break;
        case "extend":
          if (description !== "") this.unexpected(this.prev);
          this.extension(doc);
          break;
        default:
          this.unexpected();
      }
    }
    // end-of-file comments
    doc.Comment = this.comment;
    return doc;
  }
  descriptionWithComment(): { text: string; comment: CommentGroup } {
    const t = this.peek();
    if (t.kind !== K.BlockString && t.kind !== K.String) return { text: "", comment: undefined };
    const comment = this.comment;
    return { text: this.next().value, comment };
  }
  /** Description, BeforeDescriptionComment and AfterDescriptionComment of a field-like definition. */
  described(): Node {
    const d = this.descriptionWithComment();
    const out: Node = { Description: d.text };
    if (d.text !== "") out.BeforeDescriptionComment = d.comment;
    out.AfterDescriptionComment = this.commentBefore();
    return out;
  }
  schemaDefinition(description: string, descComment: CommentGroup): Node {
    const after = this.commentBefore();
    const t = this.expectKeyword("schema");
    const def: Node = {
      Description: description,
      BeforeDescriptionComment: descComment,
      AfterDescriptionComment: after,
      Directives: this.directives(true),
    };
    const ops: Node[] = [];
    def.EndOfDefinitionComment = this.some(K.BraceL, K.BraceR, () =>
      ops.push(this.operationTypeDefinition()),
    );
    def.OperationTypes = ops;
    return this.at(t, def);
  }
  operationTypeDefinition(): Node {
    const t = this.peek();
    const op = this.operationType();
    this.expect(K.Colon);
    return this.at(t, { Operation: op, Type: this.name() });
  }
  definition(kind: string, description: string, name: string): Node {
    return { Kind: kind, Description: description, Name: name, BuiltIn: false };
  }
  typeDefinition(description: string, descComment: CommentGroup): Node {
    const after = this.commentBefore();
    const t = this.next();
    const def = this.definition("", description, this.name());
    def.BeforeDescriptionComment = descComment;
    def.AfterDescriptionComment = after;
    switch (t.value) {
      case "scalar":
        def.Kind = "SCALAR";
        def.Directives = this.directives(true);
        break;
      case "type":
      case "interface":
        def.Kind = t.value === "type" ? "OBJECT" : "INTERFACE";
        def.Interfaces = this.implementsInterfaces();
        def.Directives = this.directives(true);
        [def.Fields, def.EndOfDefinitionComment] = this.fieldsDefinition();
        break;
      case "union":
        def.Kind = "UNION";
        def.Directives = this.directives(true);
        def.Types = this.unionMembers();
        break;
      case "enum":
        def.Kind = "ENUM";
        def.Directives = this.directives(true);
        [def.EnumValues, def.EndOfDefinitionComment] = this.enumValues();
        break;
      case "input":
        def.Kind = "INPUT_OBJECT";
        def.Directives = this.directives(true);
        [def.Fields, def.EndOfDefinitionComment] = this.inputFields();
        break;
    }
    return this.at(t, def);
  }
  implementsInterfaces(): string[] {
    const types: string[] = [];
    if (this.peek().value === "implements") {
      this.next();
      this.skip(K.Amp);
      types.push(this.name());
      while (this.skip(K.Amp)) types.push(this.name());
    }
    return types;
  }
  fieldsDefinition(): [Node[], CommentGroup] {
    const defs: Node[] = [];
    const end = this.some(K.BraceL, K.BraceR, () => {
      const def = this.described();
      const t = this.peek();
      def.Name = this.name();
      def.Arguments = this.argumentDefs();
      this.expect(K.Colon);
      def.Type = this.typeReference();
      def.Directives = this.directives(true);
      defs.push(this.at(t, def));
    });
    return [defs, end];
  }
  argumentDefs(): Node[] {
    const args: Node[] = [];
    this.some(K.ParenL, K.ParenR, () => args.push(this.inputValueDef()));
    return args;
  }
  inputValueDef(): Node {
    const def = this.described();
    const t = this.peek();
    def.Name = this.name();
    this.expect(K.Colon);
    def.Type = this.typeReference();
    if (this.skip(K.Equals)) def.DefaultValue = this.value(true);
    def.Directives = this.directives(true);
    return this.at(t, def);
  }
  unionMembers(): string[] {
    const types: string[] = [];
    if (this.skip(K.Equals)) {
      this.skip(K.Pipe);
      types.push(this.name());
      while (this.skip(K.Pipe)) types.push(this.name());
    }
    return types;
  }
  enumValues(): [Node[], CommentGroup] {
    const values: Node[] = [];
    const end = this.some(K.BraceL, K.BraceR, () => {
      const def = this.described();
      const t = this.peek();
      def.Name = this.name();
      def.Directives = this.directives(true);
      values.push(this.at(t, def));
    });
    return [values, end];
  }
  inputFields(): [Node[], CommentGroup] {
    const values: Node[] = [];
    const end = this.some(K.BraceL, K.BraceR, () => values.push(this.inputValueDef()));
    return [values, end];
  }
  extension(doc: { SchemaExtension: Node[]; Extensions: Node[] }): void {
    const after = this.commentBefore();
    this.next(); // extend
    const t = this.peek();
    const withComment = (def: Node) => {
      def.AfterDescriptionComment = after;
      return def;
    };
    switch (t.value) {
      case "schema": {
        this.expectKeyword("schema");
        const def: Node = withComment({ Description: "", Directives: this.directives(true) });
        const ops: Node[] = [];
        def.EndOfDefinitionComment = this.some(K.BraceL, K.BraceR, () =>
          ops.push(this.operationTypeDefinition()),
        );
        def.OperationTypes = ops;
        if ((def.Directives as Node[]).length === 0 && ops.length === 0) this.unexpected();
        doc.SchemaExtension.push(this.at(t, def));
        return;
      }
      case "scalar": {
        this.next();
        const def = withComment(this.definition("SCALAR", "", this.name()));
        def.Directives = this.directives(true);
        if ((def.Directives as Node[]).length === 0) this.unexpected();
        doc.Extensions.push(this.at(t, def));
        return;
      }
      case "type":
      case "interface": {
        this.next();
        const def = withComment(
          this.definition(t.value === "type" ? "OBJECT" : "INTERFACE", "", this.name()),
        );
        def.Interfaces = this.implementsInterfaces();
        def.Directives = this.directives(true);
        [def.Fields, def.EndOfDefinitionComment] = this.fieldsDefinition();
        const empty = (k: string) => (def[k] as unknown[]).length === 0;
        if ((t.value === "interface" || empty("Interfaces")) && empty("Directives") && empty("Fields"))
          this.unexpected();
        doc.Extensions.push(this.at(t, def));
        return;
      }
      case "union": {
        this.next();
        const def = withComment(this.definition("UNION", "", this.name()));
        def.Directives = this.directives(true);
        def.Types = this.unionMembers();
        if ((def.Directives as Node[]).length === 0 && (def.Types as string[]).length === 0)
          this.unexpected();
        doc.Extensions.push(this.at(t, def));
        return;
      }
      case "enum": {
        this.next();
        const def = withComment(this.definition("ENUM", "", this.name()));
        def.Directives = this.directives(true);
        [def.EnumValues, def.EndOfDefinitionComment] = this.enumValues();
        if ((def.Directives as Node[]).length === 0 && (def.EnumValues as Node[]).length === 0)
          this.unexpected();
        doc.Extensions.push(this.at(t, def));
        return;
      }
      case "input": {
        this.next();
        const def = withComment(this.definition("INPUT_OBJECT", "", this.name()));
        def.Directives = this.directives(false);
        [def.Fields, def.EndOfDefinitionComment] = this.inputFields();
        if ((def.Directives as Node[]).length === 0 && (def.Fields as Node[]).length === 0) this.unexpected();
        doc.Extensions.push(this.at(t, def));
        return;
      }
    }
    this.unexpected();
  }
  directiveDefinition(description: string): Node {
    const t = this.expectKeyword("directive");
    this.expect(K.At);
    const name = this.name();
    const args = this.argumentDefs();
    let repeatable = false;
    const p = this.peek();
    if (p.kind === K.Name && p.value === "repeatable") {
      repeatable = true;
      this.next();
    }
    this.expectKeyword("on");
    this.skip(K.Pipe);
    const locs = [this.directiveLocation()];
    while (this.skip(K.Pipe)) locs.push(this.directiveLocation());
    return this.at(t, {
      Description: description,
      Name: name,
      Arguments: args,
      Locations: locs,
      IsRepeatable: repeatable,
    });
  }
  directiveLocation(): string {
    const t = this.expect(K.Name);
    const valid = [
      "QUERY",
      "MUTATION",
      "SUBSCRIPTION",
      "FIELD",
      "FRAGMENT_DEFINITION",
      "FRAGMENT_SPREAD",
      "INLINE_FRAGMENT",
      "VARIABLE_DEFINITION",
      "SCHEMA",
      "SCALAR",
      "OBJECT",
      "FIELD_DEFINITION",
      "ARGUMENT_DEFINITION",
      "INTERFACE",
      "UNION",
      "ENUM",
      "ENUM_VALUE",
      "INPUT_OBJECT",
      "INPUT_FIELD_DEFINITION",
    ];
    if (!valid.includes(t.value)) this.unexpected(t);
    return t.value;
  }
}

export function parseQueryDoc(src: string): Node {
  return new Parser(src).queryDocument();
}

export function parseSchemaDoc(src: string): Node {
  return new Parser(src).schemaDocument();
}
