import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/strings.ts";
import { RObj, RSet } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("sprintf", () => {
  const sp = (f: string, ...args: unknown[]) => call("sprintf", f, args as never);
  it("formats with Go verbs (checked against opa 1.22)", () => {
    expect(sp("%v|%s|%d", "a", "b", 3)).toBe("a|b|3");
    expect(sp("%d", 1.5)).toBe("%!d(float64=1.5)");
    expect(sp("%.2f", 1.5)).toBe("1.50");
    expect(sp("%f", 3)).toBe("%!f(int64=3)");
    expect(sp("%.2f", 1)).toBe("%!f(int64=01)");
    expect(sp("%x", "hi")).toBe("6869");
    expect(sp("%x", 255)).toBe("ff");
    expect(sp("%#x", 255)).toBe("0xff");
    expect(sp("%x", -255)).toBe("-ff");
    expect(sp("%q", 'a"b')).toBe('"a\\"b"');
    expect(sp("%q", 1)).toBe("'\\x01'");
    expect(sp("%t", true)).toBe("%!t(string=true)");
    expect(sp("%e", 1234.5)).toBe("1.234500e+03");
    expect(sp("%g", 1234.5)).toBe("1234.5");
    expect(sp("%g", 1e-7)).toBe("1e-07");
    expect(sp("%.3g", 1234.5678)).toBe("1.23e+03");
    expect(sp("%v", 1e20)).toBe("1e+20");
    expect(sp("%v", 0.30000000000000004)).toBe("0.30000000000000004");
    expect(sp("%+.1f", 2.25)).toBe("+2.2");
    expect(sp("%.1f", 0.25)).toBe("0.2");
    expect(sp("%08.3f", -3.14158)).toBe("-003.142");
    expect(sp("%6.2f%%", 12.3456)).toBe(" 12.35%");
    expect(sp("%o %b %X %c %U", 8, 5, 255, 65, 65)).toBe("10 101 FF A U+0041");
  });
  it("handles width, flags and argument indexes", () => {
    expect(sp("%5d|%-5d|%05d", 1, 2, 3)).toBe("    1|2    |00003");
    expect(sp("%5s|%-5s|%05s", "a", "b", "c")).toBe("    a|b    |0000c");
    expect(sp("%10.3f|", 3.14158)).toBe("     3.142|");
    expect(sp("%*d", 3, 1)).toBe("  1");
    expect(sp("%[2]v %[1]v", 1, 2)).toBe("2 1");
    expect(sp("%.3s", "abcdef")).toBe("abc");
  });
  it("reports missing, extra and bad verbs like Go", () => {
    expect(sp("%v %v", 1)).toBe("1 %!v(MISSING)");
    expect(sp("%v", 1, 2)).toBe("1%!(EXTRA int64=2)");
    expect(sp("%", 1)).toBe("%!(NOVERB)%!(EXTRA int64=1)");
    expect(sp("%!", 1)).toBe("%!!(int64=1)");
    expect(sp("%s", 1)).toBe("%!s(int64=1)");
  });
  it("formats composite values like OPA's term String()", () => {
    expect(sp("%v", { c: true, a: [1, "x", new RSet([2, 1])], b: null })).toBe(
      '{"a": [1, "x", {1, 2}], "b": null, "c": true}',
    );
    expect(sp("%v", new RSet())).toBe("set()");
    expect(sp("%v", new RObj([[1, 2]]))).toBe("{1: 2}");
    expect(sp("%s", [1, "a"])).toBe('[1, "a"]');
    expect(sp("%v", ["é\u0001\t\u2028"])).toBe('["é\\x01\\t\\u2028"]');
    expect(sp("%s", null)).toBe("null");
  });
  it("keeps big integers exact", () => {
    expect(sp("%+v", 18446744073709551616n)).toBe("+18446744073709551616");
    expect(sp("%v", 9007199254740993n)).toBe("9007199254740993");
    expect(sp("%d %s", 18446744073709551616n, 18446744073709551616n)).toBe(
      "18446744073709551616 18446744073709551616",
    );
    expect(sp("%f", 18446744073709551616n)).toBe("%!f(big.Int=18446744073709551616)");
  });
  it("requires an array of arguments", () => {
    expect(sp("%T %T %T %T", 1, 1.5, "s", 18446744073709551616n)).toBe("int64 float64 string *big.Int");
    expectErr(
      () => call("sprintf", "%v", { a: 1 }),
      "eval_type_error",
      "sprintf: operand 2 must be array but got object",
    );
  });
});

describe("sprintf of text and bare verbs (the split-once path)", () => {
  const sp = (f: string, ...args: unknown[]) => call("sprintf", f, args as never);
  it("formats each bare verb as the general path does", () => {
    expect(sp("container <%v> has image <%s>, repos %v", "app", "r/x:1", ["a/", "b/"])).toBe(
      'container <app> has image <r/x:1>, repos ["a/", "b/"]',
    );
    expect(sp("%v%v", "", "")).toBe("");
    expect(sp("100%% of %v", "x")).toBe("100% of x");
    expect(sp("%%%v%%", 1)).toBe("%1%");
    expect(sp("no verbs")).toBe("no verbs");
    expect(sp("%d", "s")).toBe("%!d(string=s)");
    expect(sp("%d|%v|%s", 7, 1.5, 2)).toBe("7|1.5|%!s(int64=2)");
    expect(sp("%v %d", 18446744073709551616n, 18446744073709551616n)).toBe(
      "18446744073709551616 18446744073709551616",
    );
    expect(sp("%v|%s|%v", true, null, new RSet(["b", "a"]))).toBe('true|null|{"a", "b"}');
    expect(sp("%v", { k: "é\u0001" })).toBe('{"k": "é\\x01"}');
  });
  it("falls back to Go's forms when verbs and arguments do not pair up", () => {
    expect(sp("%v %v", "a")).toBe("a %!v(MISSING)");
    expect(sp("%v", "a", "b")).toBe("a%!(EXTRA string=b)");
    expect(sp("%v %")).toBe("%!v(MISSING) %!(NOVERB)");
    expect(sp("%s and %s", "a", "b", 3)).toBe("a and b%!(EXTRA int64=3)");
  });
  it("splits each format once and keeps the result per format", () => {
    // the same format with different arguments, and formats that differ only after a verb
    for (let i = 0; i < 3; i++) expect(sp("<%v>", i)).toBe(`<${i}>`);
    expect(sp("<%v>!", "x")).toBe("<x>!");
    expect(sp("<%5v>", "x")).toBe("<    x>");
  });
});

describe("sprintf flags and float forms (fuzzed against opa)", () => {
  const sp = (f: string, ...args: unknown[]) => call("sprintf", f, args as never);
  it("%#v, %+v, %#q", () => {
    expect(sp("%#v", "abc")).toBe('"abc"');
    expect(sp("%#v", 1e-7)).toBe("1e-07");
    expect(sp("%+v", 1)).toBe("1");
    expect(sp("%#q", "abc")).toBe("`abc`");
    expect(sp("%#q", "a`b")).toBe('"a`b"');
    expect(sp("%#q", 1.5)).toBe("%!q(float64=1.50000)");
    expect(sp("%#o", 0.1)).toBe("%!o(float64=0.100000)");
  });
  it("%b and %x on floats, %U on negatives", () => {
    expect(sp("%b", 1.5)).toBe("6755399441055744p-52");
    expect(sp("%x", 0.1)).toBe("0x1.999999999999ap-04");
    expect(sp("%X", -0.5)).toBe("-0X1P-01");
    expect(sp("%#x", 1.5)).toBe("0x1.8000p+00");
    expect(sp("% x", 2.5)).toBe(" 0x1.4p+01");
    expect(sp("%U", -1)).toBe("U+FFFFFFFFFFFFFFFF");
  });
  it("width arguments out of range", () => {
    expect(sp("%*d", 9007199254740993n)).toBe("%!(BADWIDTH)%!d(MISSING)");
    expect(sp("%.*f", 2, Math.E)).toBe("2.72");
  });
});

describe("string functions", () => {
  it("concat", () => {
    expect(call("concat", ",", ["a", "b"])).toBe("a,b");
    expect(call("concat", "-", new RSet(["b", "a"]))).toBe("a-b");
    expectErr(
      () => call("concat", ",", [1]),
      "eval_type_error",
      "concat: operand 2 must be array of strings but got array containing number",
    );
    expectErr(
      () => call("concat", ",", 1),
      "eval_type_error",
      "concat: operand 2 must be one of {set, array} but got number",
    );
  });
  it("searching", () => {
    expect(call("contains", "abc", "")).toBe(true);
    expect(call("startswith", "abc", "ab")).toBe(true);
    expect(call("endswith", "abc", "bc")).toBe(true);
    expect(call("indexof", "héllo", "l")).toBe(2);
    expect(call("indexof", "abc", "z")).toBe(-1);
    expect(call("indexof_n", "aaa", "aa")).toEqual([0, 1]);
    expect(call("strings.count", "aaa", "")).toBe(4);
    expect(call("strings.count", "héllo", "l")).toBe(2);
    expectErr(() => call("indexof", "abc", ""), "eval_builtin_error", "indexof: empty search character");
  });
  it("case mapping is rune by rune, like Go", () => {
    expect(call("upper", "ßa")).toBe("ßA");
    expect(call("lower", "ΑΣ")).toBe("ασ");
    expect(call("lower", "İ")).toBe("i");
    expect(call("upper", "ǆ")).toBe("Ǆ");
  });
  it("split, split_n", () => {
    expect(call("split", "a..b", ".")).toEqual(["a", "", "b"]);
    expect(call("split", "abc", "")).toEqual(["a", "b", "c"]);
    expect(call("split", "", "")).toEqual([]);
    expect(call("split", "", ".")).toEqual([""]);
    expect(call("strings.split_n", "a.b.c.d", ".", 2)).toEqual(["a", "b"]);
    expect(call("strings.split_n", "a.b.c.d", ".", -2)).toEqual(["c", "d"]);
    expect(call("strings.split_n", "a.b.c.d", ".", 0)).toEqual([]);
    expect(call("strings.split_n", "a.b.c.d", "", 2)).toEqual(["a", "."]);
    expectErr(
      () => call("strings.split_n", "a", ".", 1.5),
      "eval_type_error",
      "strings.split_n: operand 3 must be integer number but got floating-point number",
    );
  });
  it("replace, replace_n", () => {
    expect(call("replace", "aaa", "a", "b")).toBe("bbb");
    expect(call("replace", "aaa", "", "-")).toBe("-a-a-a-");
    // Go inserts between the bytes of multi-byte characters; stray bytes read as U+FFFD.
    expect(call("replace", "é", "", "-")).toBe("-\ufffd-\ufffd-");
    expect(call("strings.replace_n", { a: "b", b: "c" }, "ab")).toBe("bc");
    expect(call("strings.replace_n", { "": "-", a: "x" }, "ab")).toBe("-x-b-");
    expectErr(
      () => call("strings.replace_n", { a: 1 }, "a"),
      "eval_type_error",
      "strings.replace_n: operand 1 non-string value found in pattern object",
    );
    expectErr(
      () => call("strings.replace_n", {}, 1),
      "eval_type_error",
      "strings.replace_n: operand 2 must be string but got number",
    );
  });
  it("substring", () => {
    expect(call("substring", "abc", 1, -1)).toBe("bc");
    expect(call("substring", "abcdef", 1, 3)).toBe("bcd");
    expect(call("substring", "héllo", 1, 3)).toBe("éll");
    expect(call("substring", "abc", 5, 1)).toBe("");
    expectErr(() => call("substring", "abc", -1, 1), "eval_builtin_error", "substring: negative offset");
    expectErr(
      () => call("substring", "abc", 1.5, 1),
      "eval_type_error",
      "substring: operand 2 must be integer number but got floating-point number",
    );
  });
  it("trimming", () => {
    expect(call("trim", "xxaxx", "x")).toBe("a");
    expect(call("trim_left", "aab", "a")).toBe("b");
    expect(call("trim_right", "baa", "a")).toBe("b");
    expect(call("trim_prefix", "aab", "a")).toBe("ab");
    expect(call("trim_suffix", "abb", "b")).toBe("ab");
    expect(call("trim_space", " \u00a0x\u2003 ")).toBe("x");
    expect(call("trim_space", "\ufeffx")).toBe("\ufeffx");
    expect(call("trim", "😀a😀", "😀")).toBe("a");
  });
  it("prefix/suffix matching and reverse", () => {
    expect(call("strings.any_prefix_match", ["abc", "x"], "ab")).toBe(true);
    expect(call("strings.any_prefix_match", "abc", new RSet(["b", "a"]))).toBe(true);
    expect(call("strings.any_suffix_match", new RSet(["abc"]), ["bc"])).toBe(true);
    expect(call("strings.any_suffix_match", [], ["bc"])).toBe(false);
    expectErr(
      () => call("strings.any_prefix_match", [1], "a"),
      "eval_type_error",
      "strings.any_prefix_match: operand 1 must be array of strings but got array containing number",
    );
    expectErr(
      () => call("strings.any_prefix_match", "a", 1),
      "eval_type_error",
      "strings.any_prefix_match: operand 2 must be one of {string, set, array} but got number",
    );
    expect(call("strings.reverse", "héllo😀")).toBe("😀olléh");
    expectErr(
      () => call("strings.reverse", 1),
      "eval_type_error",
      "reverse: operand 1 must be string but got number",
    );
  });
});

describe("strings.render_template", () => {
  it("renders Go templates (conformance rendertemplate)", () => {
    expect(call("strings.render_template", "{{.test}}", { test: "hello world" })).toBe("hello world");
    expect(call("strings.render_template", "{{.test}}", { test: 2023 })).toBe("2023");
    expect(
      call(
        "strings.render_template",
        "{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}",
        {
          hellonames: ["rohan", "john doe"],
        },
      ),
    ).toBe("hello rohan,hello john doe");
    expect(call("strings.render_template", "test {{.foo}} {{.bar}} {{.baz}}", { baz: 1 })).toBe(
      "test <undefined> <undefined> 1",
    );
    expect(call("strings.render_template", "{{.a}} {{.b}}", { a: [1, "x"], b: { k: 1 } })).toBe(
      "[1 x] map[k:1]",
    );
    expect(call("strings.render_template", "{{if .a}}yes{{else}}no{{end}}", { a: false })).toBe("no");
    expect(call("strings.render_template", "{{range .a}}[{{.}}]{{end}}", { a: { y: 1, x: 2 } })).toBe(
      "[2][1]",
    );
    expect(call("strings.render_template", "{{ .a -}}  x  {{- .a }}", { a: 1 })).toBe("1x1");
  });
  it("reports template errors", () => {
    expectErr(
      () => call("strings.render_template", "{{.a", { a: 1 }),
      "eval_builtin_error",
      "strings.render_template: template: template:1: unclosed action",
    );
  });
});
