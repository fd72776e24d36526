#!/usr/bin/env bash
# Editor support. The VS Code extension's TextMate grammar, tokenized by vscode-textmate
# (the engine VS Code uses). Then `brief lsp` in a real editor: headless Neovim (Debian's
# package; tests/setup.sh installs it) opens a contract with a typo on a line with
# non-ASCII text, its LSP client starts `brief lsp`, and the diagnostic it shows must be
# on the typo, at the right column; then "go to definition" on a type declared in an
# imported file must take the editor there, onto the name. The scripted protocol tests
# are in compiler/tests/lsp (step 10).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/debug"
for tool in nvim node npm; do
  command -v "$tool" >/dev/null || { echo "lsp: $tool is missing; run bash tests/setup.sh" >&2; exit 1; }
done

echo "== lsp: the VS Code extension's grammar (vscode-textmate)"
(
  cd editors/vscode
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  node --check extension.js
  node --test --test-reporter=spec test/
)

cargo build --locked -p brief --bin brief

work="$(mktemp -d)"
server_pid=""
cleanup() {
  # The editor stops the server when it quits; never leave one behind.
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The server, wrapped to learn its process id.
cat > "$work/brief" <<SH
#!/bin/sh
echo \$\$ > "$work/server.pid"
exec "$target/brief" "\$@"
SH
chmod +x "$work/brief"

cat > "$work/greeter.brief" <<'BRIEF'
import "common.brief"

service "greeter"

rpc greet (Hello) Hello

message Hello { name string `Grüße 😀` size strng price Money }
BRIEF
cat > "$work/common.brief" <<'BRIEF'
// Shared: é 😀
message Note { text string } `é 😀` message Money { cents int } `An amount`
BRIEF

echo "== lsp: headless Neovim $(nvim --version | head -1 | cut -d' ' -f2) opens a contract with a typo"
(
  cd "$work"
  HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" \
  XDG_STATE_HOME="$work/state" XDG_DATA_HOME="$work/data" \
  BRIEF_LSP_CMD="$work/brief" BRIEF_LSP_OUT="$work/shown.json" \
    timeout 60 nvim --headless -n -i NONE -u "$root/tests/lsp/nvim.lua" greeter.brief \
      -c 'lua BriefDiagnostics()' -c 'lua BriefDefinition(7, "strng", "Money")' \
      -c 'lua BriefWrite()' -c 'qa!' </dev/null
)
server_pid="$(cat "$work/server.pid")"

python3 - "$work/shown.json" "$work" <<'PY'
import json, os, sys
shown = json.load(open(sys.argv[1]))
assert shown["found"], f"Neovim showed no diagnostics: {shown}"
assert len(shown["diagnostics"]) == 1, shown["diagnostics"]
[d] = shown["diagnostics"]
line = 'message Hello { name string `Grüße 😀` size strng price Money }'
assert d["code"] == "brief::unknown_type", d
assert d["line"] == 6, d
assert d["col"] == line.encode().index(b"strng"), d
assert d["text"] == "strng", d
assert d["message"].startswith("unknown type `strng`"), d
assert "did you mean `string`?" in d["message"], d
print(f"lsp: Neovim shows {d['code']} on `{d['text']}` at line {d['line'] + 1}, byte column {d['col'] + 1}")
went = shown["definition"]
assert went["moved"], f"go to definition did not leave the file: {went}"
assert os.path.realpath(went["file"]) == os.path.realpath(os.path.join(sys.argv[2], "common.brief")), went
declaration = 'message Note { text string } `é 😀` message Money { cents int } `An amount`'
assert went["line"] == 1 and went["text"] == declaration, went
assert went["col"] == declaration.encode().index(b"Money"), went
print(f"lsp: go to definition of `Money` opened common.brief at line 2, byte column {went['col'] + 1}")
PY

# Quitting the editor shut the server down.
for _ in $(seq 100); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$server_pid" 2>/dev/null; then
  echo "lsp: brief lsp (pid $server_pid) still runs after Neovim quit" >&2
  exit 1
fi
echo "== lsp: the server stopped with the editor"
