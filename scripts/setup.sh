# Installs what Debrief needs to build, run and test, each at a pinned version,
# skipping whatever is already installed. Sourced by scripts/run and scripts/test.
# Measured facts behind these choices: ../shared/BUILD.md.

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132
# The wasm-bindgen CLI must equal the wasm-bindgen crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)

step() { printf '\n== %s\n' "$*" >&2; }

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
    step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 16 min on 2 cores, once)"
    # --locked: newer dependency versions need a newer rustc. no_downloads: use tools on PATH.
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
}

ensure_wasm_bindgen() {
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
    step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Not --locked: its lock file names a crate version the registry lacks.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

# wasm-opt for release builds: Debian's binaryen is too old for today's rustc.
ensure_wasm_opt() {
  local tools="$PWD/.tools"
  if [ ! -x "$tools/node_modules/.bin/wasm-opt" ] ||
     ! grep -q "\"version\": \"$BINARYEN_VERSION" "$tools/node_modules/binaryen/package.json" 2>/dev/null; then
    step "installing binaryen $BINARYEN_VERSION (wasm-opt) into .tools/"
    mkdir -p "$tools"
    (cd "$tools" && npm install --no-audit --no-fund --no-save "binaryen@$BINARYEN_VERSION")
  fi
  export PATH="$tools/node_modules/.bin:$PATH"
}

# Installs Debian packages (as root, or through sudo).
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "$@"
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    step "installing Debian's chromium for the end-to-end tests"
    apt_install chromium
  fi
}

# Debian's PostgreSQL server binaries, for the tests that run Debrief on
# PostgreSQL (each starts a throwaway server in a temporary directory; no
# cluster is created or started by the package install here).
ensure_postgresql() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    step "installing Debian's postgresql for the PostgreSQL tests"
    apt_install_without_starting postgresql
  fi
}

# nginx, for the test that runs the README's reverse-proxy example.
ensure_nginx() {
  if [ ! -x /usr/sbin/nginx ]; then
    step "installing Debian's nginx for the reverse-proxy test"
    apt_install_without_starting nginx-light
  fi
}

# Installs server packages without starting their services (the tests start
# their own, in temporary folders): invoke-rc.d asks policy-rc.d first.
apt_install_without_starting() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -e /usr/sbin/policy-rc.d ]; then
    apt_install "$@"
    return
  fi
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  local status=0
  apt_install "$@" || status=$?
  $sudo rm -f /usr/sbin/policy-rc.d
  return $status
}

ensure_e2e_packages() {
  # Reinstall only when the lock file changed since the last install.
  local stamp=end2end/node_modules/.debrief-lock
  if [ ! -f "$stamp" ] || ! cmp -s end2end/package-lock.json "$stamp"; then
    step "installing the end-to-end test packages (Playwright, no browser download)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    cp end2end/package-lock.json "$stamp"
  fi
}

ensure_build_tools() {
  ensure_wasm_target
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_wasm_opt
}
