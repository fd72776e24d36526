#!/usr/bin/env bash
# Installs what the tests and examples need where it is missing, so that a fresh machine
# needs nothing but this repository, Rust (cargo) and Go. Safe to run again: it only
# installs what `command -v` cannot find. Debian packages come from apt (as root, or
# through sudo when it is there).
#   bash tests/setup.sh          everything the tests need
#   bash tests/setup.sh example  only what examples/summer/run needs
set -euo pipefail
what="${1:-tests}"

for tool in cargo go; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "setup: $tool is not installed; install Rust (https://rustup.rs) and Go (https://go.dev/dl) first" >&2
    exit 1
  }
done

# command → Debian package. The example needs PHP; the tests need the rest too.
declare -A packages=(
  [php]=php-cli
)
if [ "$what" = tests ]; then
  packages+=(
    [protoc]=protobuf-compiler
    [node]=nodejs
    [npm]=npm
    [nats-server]=nats-server
    [unshare]=util-linux   # the resilience scenarios' DNS test: a mount namespace per runner
    [mount]=mount
    # PHP's tests: PHPUnit, PSR-12, and php-fpm behind nginx (tests/steps/70-php.sh).
    [phpunit]=phpunit
    [phpcs]=php-codesniffer
    [nginx]=nginx
    [php-fpm]=php-fpm
    # The LSP test's real editor client (tests/steps/70-lsp.sh).
    [nvim]=neovim
  )
fi

# Debian keeps nginx and php-fpm8.x in /usr/sbin, which a user's PATH may lack.
found() {
  case "$1" in
    php-fpm) compgen -G '/usr/sbin/php-fpm*' >/dev/null || [ -n "$(compgen -c php-fpm)" ] ;;
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}
missing=()
for cmd in "${!packages[@]}"; do
  found "$cmd" || missing+=("${packages[$cmd]}")
done
# PHP extensions: ext-curl (php-curl) for the runtime; ext-apcu (php-apcu) shares the
# /metrics counters of php-fpm's workers, which the tests check.
php_extensions=(curl)
[ "$what" = tests ] && php_extensions+=(apcu)
php_modules="$(php -m 2>/dev/null || true)"
for ext in "${php_extensions[@]}"; do
  grep -qx "$ext" <<<"$php_modules" || missing+=("php-$ext")
done

# The OpenAPI tests run Python in a venv of their own (Debian splits venv out).
if [ "$what" = tests ]; then
  if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
  elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "setup: missing ${missing[*]}; run as root or install them: apt-get install -y ${missing[*]}" >&2
      exit 1
    }
    sudo=(sudo)
  fi
  echo "== setup: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The OpenAPI tests' Python packages, pinned in tests/openapi/requirements.txt, in
# tests/openapi/.venv; reinstalled only when that file changes.
if [ "$what" = tests ]; then
  openapi="$(cd "$(dirname "$0")" && pwd)/openapi"
  if ! cmp -s "$openapi/requirements.txt" "$openapi/.venv/requirements.txt"; then
    echo "== setup: pip install -r tests/openapi/requirements.txt (into tests/openapi/.venv)"
    rm -rf "$openapi/.venv"
    python3 -m venv "$openapi/.venv"
    "$openapi/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$openapi/requirements.txt"
    cp "$openapi/requirements.txt" "$openapi/.venv/requirements.txt"
  fi
fi
