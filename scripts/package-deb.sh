#!/usr/bin/env bash
# Builds target/debian/aws-auth_VERSION_ARCH.deb from a release build: the binary, its man
# page and its bash, zsh and fish completions (all made by the binary itself, so they never
# drift from it), README, docs and licenses. Needs dpkg-deb and objdump (binutils). Prints
# the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked >&2
bin=target/release/aws-auth
version=$("$bin" --version | awk '{ print $2 }')
arch=$(dpkg --print-architecture)
out=target/debian
root=$out/root
rm -rf "$out"
mkdir -p "$root/DEBIAN"

install -D -m 755 "$bin" "$root/usr/bin/aws-auth"
install -d "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
  "$root/usr/share/doc/aws-auth/docs"
"$bin" man | gzip -9n >"$root/usr/share/man/man1/aws-auth.1.gz"
# The completions call the installed binary back, wherever this build is.
"$bin" completions bash --program /usr/bin/aws-auth >"$root/usr/share/bash-completion/completions/aws-auth"
"$bin" completions zsh --program /usr/bin/aws-auth >"$root/usr/share/zsh/vendor-completions/_aws-auth"
"$bin" completions fish --program /usr/bin/aws-auth >"$root/usr/share/fish/vendor_completions.d/aws-auth.fish"
install -m 644 README.md profiles.example.toml "$root/usr/share/doc/aws-auth/"
install -m 644 docs/*.md "$root/usr/share/doc/aws-auth/docs/"

# Debian's machine-readable copyright file, with both licenses.
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: aws-auth"
  echo "Source: https://github.com/aws-auth-cli/aws-auth-cli"
  echo
  echo "Files: *"
  echo "Copyright: 2026 The aws-auth developers"
  echo "License: MIT or Apache-2.0"
  echo
  echo "License: MIT"
  sed 's/^$/./; s/^/ /' LICENSE-MIT
  echo
  echo "License: Apache-2.0"
  echo " On Debian systems, the full text of the Apache License 2.0 is in"
  echo " /usr/share/common-licenses/Apache-2.0."
} >"$root/usr/share/doc/aws-auth/copyright"
find "$root/usr" -type d -exec chmod 755 {} +
find "$root/usr/share" -type f -exec chmod 644 {} +

# The newest glibc symbol version the binary uses is the libc6 it needs.
glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
cat >"$root/DEBIAN/control" <<EOF
Package: aws-auth
Version: $version
Architecture: $arch
Maintainer: The aws-auth developers <aws-auth@users.noreply.github.com>
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: libc6 (>= $glibc), libgcc-s1
Recommends: pass
Suggests: gnome-keyring, zenity, keyutils
Section: utils
Priority: optional
Homepage: https://github.com/aws-auth-cli/aws-auth-cli
Description: short-lived AWS credentials from the keys in your password manager
 aws-auth reads a profile, fetches the access keys, the MFA device and the role
 from pass, gopass, 1Password, LastPass or the OS keyring, asks STS for an MFA
 session and/or an assumed role, and prints the result for bash, zsh, fish or
 PowerShell, as credential_process JSON, or runs a command with it. Sessions are
 cached in the OS keyring, so the MFA code is asked once a day.
EOF

deb="$out/aws-auth_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
