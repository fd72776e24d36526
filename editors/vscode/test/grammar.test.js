// The TextMate grammar, tokenized by the same engine VS Code uses (vscode-textmate with
// the Oniguruma regular expressions): every kind of token of a contract gets its scope.
"use strict";

const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const { test } = require("node:test");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const grammarPath = path.join(__dirname, "..", "syntaxes", "brief.tmLanguage.json");

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      textmate.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  return registry.loadGrammar("source.brief");
}

/** Every token of a text: its text and its innermost scope (neighbours on a line with
 * the same scope, such as a doc's backticks and its text, are one token). */
function tokenize(grammar, text) {
  const out = [];
  let state = textmate.INITIAL;
  for (const line of text.split("\n")) {
    const result = grammar.tokenizeLine(line, state);
    const merged = [];
    for (const t of result.tokens) {
      const scope = t.scopes[t.scopes.length - 1];
      const piece = line.slice(t.startIndex, t.endIndex);
      const last = merged[merged.length - 1];
      if (last && last[1] === scope) last[0] += piece;
      else merged.push([piece, scope]);
    }
    for (const [piece, scope] of merged) if (piece.trim()) out.push([piece.trim(), scope]);
    state = result.ruleStack;
  }
  return out;
}

function scopeOf(tokens, piece, nth = 0) {
  const found = tokens.filter(([text]) => text === piece);
  assert.ok(found.length > nth, `no token ${JSON.stringify(piece)} in ${JSON.stringify(tokens)}`);
  return found[nth][1];
}

const CONTRACT = `// orders.brief
import "shared/common.brief"

service "orders" \`Takes orders\`

rpc create (CreateIn) CreateOut idempotent timeout(300ms) throws(Invalid, Conflict) \`Creates
    an order\`

schema "orders.created" CreateOut

message CreateIn {
    sku      string
    items    []map[string]Item?
    note     string? deprecated \`Unused since v2\`
    deprecated bool
}

enum Channel { web \`The web shop\` mobile }

error Invalid(invalid_argument) { field string }
`;

test("every kind of token gets its scope", async () => {
  const grammar = await loadGrammar();
  const tokens = tokenize(grammar, CONTRACT);
  const expect = (piece, scope, nth) => assert.strictEqual(scopeOf(tokens, piece, nth), scope, piece);
  expect("// orders.brief", "comment.line.double-slash.brief");
  expect("import", "keyword.control.import.brief");
  expect('"shared/common.brief"', "string.quoted.double.brief");
  expect("service", "storage.type.service.brief");
  expect("`Takes orders`", "comment.block.documentation.brief");
  expect("rpc", "storage.type.rpc.brief");
  expect("create", "entity.name.function.brief");
  expect("CreateIn", "entity.name.type.brief");
  expect("CreateOut", "entity.name.type.brief");
  expect("idempotent", "storage.modifier.brief");
  expect("timeout", "storage.modifier.brief");
  expect("300ms", "constant.numeric.duration.brief");
  expect("throws", "storage.modifier.brief");
  expect("Invalid", "entity.name.type.error.brief");
  expect("Conflict", "entity.name.type.error.brief");
  expect("an order`", "comment.block.documentation.brief");
  expect("schema", "storage.type.schema.brief");
  expect("message", "storage.type.message.brief");
  expect("CreateIn", "entity.name.type.message.brief", 1);
  expect("sku", "variable.other.property.brief");
  expect("string", "support.type.primitive.brief");
  expect("[]", "keyword.operator.list.brief");
  expect("map", "support.type.map.brief");
  expect("Item", "entity.name.type.brief");
  expect("?", "keyword.operator.optional.brief");
  expect("deprecated", "storage.modifier.brief");
  // On a line of its own, `deprecated` is a field's name.
  expect("deprecated", "variable.other.property.brief", 1);
  expect("bool", "support.type.primitive.brief");
  expect("enum", "storage.type.enum.brief");
  expect("web", "variable.other.enummember.brief");
  expect("mobile", "variable.other.enummember.brief");
  expect("error", "storage.type.error.brief");
  expect("invalid_argument", "constant.language.error-code.brief");
  expect("field", "variable.other.property.brief");
});

test("docs and comments hold anything", async () => {
  const grammar = await loadGrammar();
  const tokens = tokenize(grammar, 'message M { a int `a "doc" // not a comment { }` }\n');
  assert.deepStrictEqual(tokens.at(-2), ['`a "doc" // not a comment { }`', "comment.block.documentation.brief"]);
  assert.deepStrictEqual(tokens.at(-1), ["}", "punctuation.section.block.end.brief"]);
});

test("every valid contract of the corpus tokenizes with its declarations named", async () => {
  const grammar = await loadGrammar();
  const corpus = path.join(__dirname, "..", "..", "..", "tests", "corpus", "valid");
  const files = fs.readdirSync(corpus, { recursive: true }).filter((f) => f.endsWith(".brief"));
  assert.ok(files.length > 10);
  for (const file of files) {
    const text = fs.readFileSync(path.join(corpus, file), "utf8");
    const tokens = tokenize(grammar, text);
    for (const match of text.matchAll(/^(message|enum) ([A-Za-z_]\w*) \{/gm)) {
      const scope = tokens.find(([t, s]) => t === match[2] && s.startsWith("entity.name.type."));
      assert.ok(scope, `${file}: ${match[1]} ${match[2]} is not named`);
    }
  }
});
