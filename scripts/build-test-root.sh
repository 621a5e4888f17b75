#!/usr/bin/env bash
# Build (once) the Debian 12 root the real-systemd tests boot with systemd-nspawn
# (PLATFORM.md Infra 3): debootstrap minbase + systemd, dbus, sshd, and the room's own
# Debian packages (packaging/room-packages.txt), so a room container needs no network.
#
#   scripts/build-test-root.sh [CACHE_DIR]      prints the root's path
#
# The root is cached under CACHE_DIR (default /var/cache/appliance-test), named by a hash
# of the suite, the base packages, ROOT_LAYOUT and the room package list: a changed list builds a new root, an unchanged one
# is reused (about 3.5 min to build, 0 s to reuse). Built into *.tmp, renamed when complete,
# so an interrupted build is never mistaken for a root. Tests never modify the cached
# root: each container boots an overlay of it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${1:-/var/cache/appliance-test}"
suite=bookworm
base=systemd,systemd-sysv,dbus,libpam-systemd,openssh-server,python3,python3-venv,iproute2
# Bump ROOT_LAYOUT when the steps below change what a root contains.
ROOT_LAYOUT=1
mapfile -t room < <(grep -v '^\s*#' "$here/packaging/room-packages.txt" | grep -v '^\s*$')
key="$(echo "$suite $base $ROOT_LAYOUT ${room[*]}" | sha256sum | cut -c1-12)"
root="$cache/root-$suite-$key"
if [ -f "$root/.complete" ]; then
    echo "$root"
    exit 0
fi
for tool in debootstrap systemd-nspawn; do
    command -v "$tool" >/dev/null || {
        echo "$tool missing: apt-get install debootstrap systemd-container" >&2
        exit 1
    }
done
mkdir -p "$cache"
# One build at a time (two test sessions may ask at once): wait for the other's lock,
# then reuse what it built.
exec 9>"$cache/.build.lock"
flock 9
if [ -f "$root/.complete" ]; then
    echo "$root"
    exit 0
fi
tmp="$root.tmp"
rm -rf "$tmp"
debootstrap --variant=minbase --include="$base" "$suite" "$tmp" >&2
chroot "$tmp" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${room[@]}" >&2
chroot "$tmp" apt-get clean
# sshd: no host keys baked in (each container gets its own), never on 0.0.0.0:22 (the
# containers may share the host's network): tests write their own sshd_config.d.
rm -f "$tmp"/etc/ssh/ssh_host_*
rm -f "$tmp"/etc/systemd/system/multi-user.target.wants/ssh.service
: > "$tmp/etc/machine-id"
touch "$tmp/.complete"
mv "$tmp" "$root"
# Older roots are NOT removed here: another test session (a checkout with another
# package list) may be booting containers on one right now, as an overlay's lower layer.
# About 700 MB each; `rm -rf /var/cache/appliance-test` when no test runs frees them.
echo "$root"
