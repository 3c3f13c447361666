#!/usr/bin/env bash
# Installs the real servers the integration tests start (sshd, vsftpd, proftpd, pure-ftpd, PAM TOTP,
# keychain tools). Idempotent: when everything is present it touches neither apt nor the network.
# proftpd and pure-ftpd conflict with vsftpd in apt ("provides ftp-server"), so they are unpacked
# privately into .cache/servers/root instead of installed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$REPO_ROOT/.cache/servers"
DEBS="$CACHE/debs"
ROOT="$CACHE/root"
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=300)

PACKAGES=(openssh-server openssh-client libpam-google-authenticator vsftpd openssl ssh-audit sslscan lftp
  gnome-keyring libsecret-1-0 libsecret-tools dbus dbus-x11 libsodium23 libpcre2-posix3 libhiredis0.14
  libmemcached11 libmemcachedutil2 procps microsocks tinyproxy time)
UNPACKED=(proftpd-core proftpd-mod-crypto pure-ftpd)

step() { printf '[setup-test-servers] %s\n' "$*"; }
fail() { printf '[setup-test-servers] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (apt-get and the test user need it): sudo npm run setup:test-servers"

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    step "apt-get update"
    apt-get update -q -o DPkg::Lock::Timeout=300 >/dev/null
    APT_UPDATED=1
  fi
}

# One dpkg-query for all packages (each process start counts on a busy machine).
installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null | awk '/ install ok installed$/ { print $1 }' || true)"
missing=()
for p in "${PACKAGES[@]}"; do grep -qx "$p" <<<"$installed" || missing+=("$p"); done
if [ "${#missing[@]}" -eq 0 ]; then
  step "Debian packages: all ${#PACKAGES[@]} present, apt skipped"
else
  apt_update_once
  step "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" "${missing[@]}" >/dev/null
fi

# A marker per unpacked package keeps the re-run instant.
mkdir -p "$DEBS" "$ROOT"
for p in "${UNPACKED[@]}"; do
  if [ -f "$CACHE/.unpacked-$p" ]; then
    step "$p: already unpacked in .cache/servers/root"
    continue
  fi
  if ! ls "$DEBS/${p}"_*.deb >/dev/null 2>&1; then
    apt-cache show "$p" >/dev/null 2>&1 || apt_update_once
    step "apt-get download $p"
    # The download runs as root into a root-owned folder: no _apt sandbox user needed.
    (cd "$DEBS" && apt-get download -q -o APT::Sandbox::User=root "$p" >/dev/null)
  fi
  deb="$(ls "$DEBS/${p}"_*.deb | sort | tail -n 1)"
  step "dpkg-deb -x $(basename "$deb")"
  dpkg-deb -x "$deb" "$ROOT"
  touch "$CACHE/.unpacked-$p"
done

mkdir -p /run/sshd

# vsftpd prints its version to stdin (fd 0), hence 0>&1.
# Each check runs the binary itself, so a missing shared library shows up here, not in a test.
check() {
  local name="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then
    step "ok: $name — $(printf '%s' "$out" | sed 's/\x1b\[[0-9;]*m//g; s/^[[:space:]]*//' | head -n 1)"
  else
    fail "$name does not run ($*): $(printf '%s' "$out" | head -n 3)"
  fi
}
# sshd -V exits 0 on OpenSSH >= 9.2 but older builds print the version only with an error exit.
sshd_version() { /usr/sbin/sshd -V 2>&1 | grep -q OpenSSH && /usr/sbin/sshd -V 2>&1 | head -n 1; }

check sshd sshd_version
check ssh bash -c 'ssh -V 2>&1'
check ssh-keygen bash -c 'test -x /usr/bin/ssh-keygen && echo /usr/bin/ssh-keygen'
check vsftpd bash -c '/usr/sbin/vsftpd -v 0>&1 2>&1 | grep -i vsftpd'
check openssl openssl version
check google-authenticator bash -c 'test -x /usr/bin/google-authenticator && ls /lib/*/security/pam_google_authenticator.so | head -n 1'
check ssh-audit bash -c 'ssh-audit --help 2>&1 | grep -m1 -i "ssh-audit"'
check sslscan bash -c 'sslscan --version 2>&1 | grep -m1 -iv "^$"'
check lftp bash -c 'lftp --version | head -n 1'
check time bash -c '/usr/bin/time --version 2>&1 | head -n 1'
check gnome-keyring-daemon gnome-keyring-daemon --version
check secret-tool bash -c 'command -v secret-tool'
check dbus-run-session bash -c 'dbus-run-session --version | head -n 1'
check proftpd "$ROOT/usr/sbin/proftpd" -v
check pure-ftpd bash -c "'$ROOT/usr/sbin/pure-ftpd' --help 2>&1 | head -n 1"
step "done: proftpd/pure-ftpd in .cache/servers/root, system servers via apt"
