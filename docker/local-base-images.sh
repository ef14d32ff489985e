#!/usr/bin/env bash
# Builds, from Debian packages only, the base images that docker/Dockerfile's FROM
# lines name (debian:bookworm-slim and rust:<version>-slim-bookworm), and tags them
# exactly as named there.
#
# Why: on the project's development and CI machines no container registry can be
# reached, so `docker pull` fails and the engine starts with no images; only the
# Debian mirrors (and crates.io) are reachable. With these local images in place,
# `docker build -f docker/Dockerfile .` works unchanged, because the classic
# builder uses a local image for FROM without pulling. Anywhere a registry is
# reachable this script is not needed: the real public images are used instead.
#
# How:  debian:bookworm-slim  = debootstrap --variant=minbase bookworm, trimmed
#                               like the official slim image, `docker import`ed.
#       rust:X.Y-slim-bookworm = the same plus gcc, libc6-dev and ca-certificates,
#                               with the host's rustup toolchain X.Y.* copied to
#                               /usr/local/rustup (rustup proxies in
#                               /usr/local/cargo/bin), the layout and ENV of the
#                               official rust image, and the host's locally added
#                               CA certificates. Debian 12's own rustc (1.63) is
#                               too old for the locked dependencies.
#
# Idempotent: an image whose tag already exists is left alone (FORCE=1 rebuilds).
# Needs: root, docker, network access to the Debian mirror; installs debootstrap
# with apt-get if it is missing.
#
# Environment: DOCKERFILE (default docker/Dockerfile beside this script),
#   DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR (default: the host's in /etc/apt),
#   RUSTUP_HOME / CARGO_HOME (default ~/.rustup, ~/.cargo), FORCE=1,
#   EXTRA_CA_DIR (host CA certificates added to the rust image, default
#   /usr/local/share/ca-certificates),
#   BASE_IMAGES_CACHE (debootstrap's .deb cache, default /var/cache/gradtape-base-images).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dockerfile=${DOCKERFILE:-$here/Dockerfile}
suite=bookworm
cache_dir=${BASE_IMAGES_CACHE:-/var/cache/gradtape-base-images}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
cargo_home=${CARGO_HOME:-$HOME/.cargo}
extra_ca_dir=${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}

log() { printf '[local-base-images %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root (debootstrap, docker import)"
command -v docker >/dev/null || die "docker not found"
[[ -f $dockerfile ]] || die "no Dockerfile at $dockerfile"

# The images named by FROM lines, minus references to earlier build stages.
mapfile -t images < <(awk '
  toupper($1) == "FROM" {
    img = ""; for (i = 2; i <= NF; i++) if ($i !~ /^--/) { img = $i; break }
    for (j = i + 1; j <= NF; j++) if (toupper($j) == "AS" && j < NF) stage[tolower($(j + 1))] = 1
    if (img != "" && !(tolower(img) in stage)) print img
  }' "$dockerfile" | sort -u)
((${#images[@]})) || die "no FROM images found in $dockerfile"

missing=()
for img in "${images[@]}"; do
  if [[ ${FORCE:-0} != 1 ]] && docker image inspect "$img" >/dev/null 2>&1; then
    log "$img: already present, skipped"
  else
    missing+=("$img")
  fi
done
((${#missing[@]})) || { log "all base images present"; exit 0; }

# --- Debian mirror: the host's own apt configuration, unless DEBIAN_MIRROR is set.
find_mirror() {  # $1: "" for the main archive, "-security" for the security one
  local f uri suffix="/debian${1:-}"
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ s "/?$") { print $i; exit } }' s="$suffix" "$f")
    [[ -n $uri ]] && { echo "${uri%/}"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\// && $i ~ s "/?$") { print $i; exit } }' s="$suffix" "$f")
    [[ -n $uri ]] && { echo "${uri%/}"; return; }
  done
  echo "http://deb.debian.org$suffix"
}
mirror=${DEBIAN_MIRROR:-$(find_mirror)}
security_mirror=${DEBIAN_SECURITY_MIRROR:-$(find_mirror -security)}
log "Debian mirror: $mirror (security: $security_mirror)"

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null 2>&1 || {
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
  }
fi

mkdir -p "$cache_dir"
work=$(mktemp -d /var/tmp/gradtape-base-images.XXXXXX)
cleanup() {
  # debootstrap mounts proc and sys inside its target while it runs; a failed run
  # can leave them mounted, so unmount before deleting, and never cross into them.
  local m
  for m in $(awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# debootstrap SUITE into $1, with extra packages $2 (comma list, may be empty).
bootstrap() {
  local dir=$1 include=${2:-} args=(--variant=minbase "--cache-dir=$cache_dir")
  [[ -n $include ]] && args+=("--include=$include")
  log "debootstrap $suite into $dir${include:+ (+ $include)}"
  debootstrap "${args[@]}" "$suite" "$dir" "$mirror" >"$dir.log" 2>&1 || {
    tail -n 30 "$dir.log" >&2
    die "debootstrap failed (log above)"
  }
}

# Trims a rootfs the way the official slim images are trimmed, and keeps it so.
slim() {
  local dir=$1
  cat >"$dir/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
# as in the official debian:*-slim images: no documentation, manuals or translations
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
SLIM
  cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
CLEAN
  find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$dir"/usr/share/{man,info,locale,groff,lintian,linda}/* \
         "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin \
         "$dir"/var/lib/apt/lists/* "$dir"/var/log/* "$dir"/var/cache/debconf/*-old \
         "$dir"/tmp/* "$dir"/root/.bash_history
  # debootstrap's sources.list names the mirror and the release; add updates and
  # security, as the official images have them.
  printf 'deb %s %s-updates main\ndeb %s %s-security main\n' \
    "$mirror" "$suite" "$security_mirror" "$suite" >>"$dir/etc/apt/sources.list"
  : >"$dir/etc/hostname"
}

# docker import of a rootfs directory as tag $2 with Dockerfile-style changes after.
import() {
  local dir=$1 tag=$2; shift 2
  local changes=() c
  for c in "$@"; do changes+=(--change "$c"); done
  log "docker import $tag"
  tar -C "$dir" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . \
    | docker import "${changes[@]}" -m "built by docker/local-base-images.sh from $mirror" - "$tag" >/dev/null
  log "$tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
}

build_debian() {
  local tag=$1 dir=$work/debian
  bootstrap "$dir"
  slim "$dir"
  import "$dir" "$tag" 'CMD ["bash"]'
}

# The host toolchain whose rustc version starts with $1 ("1.95", "1", or "" for
# any); stable releases only, the newest matching. Prints the toolchain's path.
pick_toolchain() {
  local want=$1 tc v best="" bestv=""
  for tc in "$rustup_home"/toolchains/*/; do
    tc=${tc%/}
    [[ -x $tc/bin/rustc && -x $tc/bin/cargo ]] || continue
    v=$("$tc/bin/rustc" -V 2>/dev/null | awk '{ print $2 }') || continue
    [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || continue   # no nightly or beta
    [[ -z $want || $v == "$want" || $v == "$want".* ]] || continue
    if [[ -z $bestv ]] || [[ $(printf '%s\n%s\n' "$bestv" "$v" | sort -V | tail -n1) == "$v" && $v != "$bestv" ]]; then
      best=$tc bestv=$v
    fi
  done
  [[ -n $best ]] && echo "$best"
}

build_rust() {
  local tag=$1 dir=$work/rust want tc version triple name
  # rust:1.95-slim-bookworm -> 1.95; rust:1-slim-bookworm -> 1; rust:slim-bookworm -> any
  want=${tag#*:}; want=${want%%-*}
  [[ $want =~ ^[0-9]+(\.[0-9]+){0,2}$ ]] || want=""
  if ! tc=$(pick_toolchain "$want"); then
    # Better a working build image under the Dockerfile's tag than none: take the
    # newest stable toolchain there is, and say so (its ENV RUST_VERSION tells).
    tc=$(pick_toolchain "") || die "$tag needs a stable rustup toolchain under $rustup_home/toolchains (see \`rustup toolchain list\`)"
    log "WARNING: no host toolchain $want.*; $tag gets rustc $("$tc/bin/rustc" -V | awk '{ print $2 }') instead"
  fi
  version=$("$tc/bin/rustc" -V | awk '{ print $2 }')
  triple=$("$tc/bin/rustc" -vV | awk '/^host:/ { print $2 }')
  name=$version-$triple
  log "$tag: rustc $version from $tc"

  bootstrap "$dir" ca-certificates,gcc,libc6-dev
  slim "$dir"
  # Cargo fetches crates over TLS during `docker build`: trust the CA certificates
  # the host added locally too (as here, where egress passes a TLS-inspecting proxy).
  local crt added=0
  for crt in "$extra_ca_dir"/*.crt; do
    [[ -f $crt ]] || continue
    install -m 0644 "$crt" "$dir/usr/local/share/ca-certificates/${crt##*/}"
    added=1
  done
  if ((added)); then
    log "adding the host's CA certificates from $extra_ca_dir"
    chroot "$dir" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the rust rootfs"
  fi

  mkdir -p "$dir/usr/local/rustup/toolchains/$name" "$dir/usr/local/cargo/bin"
  # The toolchain without its HTML documentation (~800 MB).
  tar -C "$tc" --exclude=./share/doc -cf - . | tar -C "$dir/usr/local/rustup/toolchains/$name" -xf -
  cat >"$dir/usr/local/rustup/settings.toml" <<SETTINGS
version = "12"
default_toolchain = "$name"
profile = "minimal"
auto_self_update = "disable"

[overrides]
SETTINGS
  local rustup_bin="" b
  if [[ -x $cargo_home/bin/rustup ]]; then rustup_bin=$cargo_home/bin/rustup
  elif command -v rustup >/dev/null; then rustup_bin=$(command -v rustup); fi
  if [[ -n $rustup_bin ]]; then
    # As in the official image: rustup, and proxies for the toolchain's tools.
    install -m 0755 "$(readlink -f "$rustup_bin")" "$dir/usr/local/cargo/bin/rustup"
    for b in "$dir/usr/local/rustup/toolchains/$name"/bin/*; do
      ln -s rustup "$dir/usr/local/cargo/bin/${b##*/}"
    done
  else
    for b in "$dir/usr/local/rustup/toolchains/$name"/bin/*; do
      ln -s "/usr/local/rustup/toolchains/$name/bin/${b##*/}" "$dir/usr/local/cargo/bin/${b##*/}"
    done
  fi
  chmod -R a+w "$dir/usr/local/rustup" "$dir/usr/local/cargo"

  import "$dir" "$tag" \
    'ENV RUSTUP_HOME=/usr/local/rustup' \
    'ENV CARGO_HOME=/usr/local/cargo' \
    'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "ENV RUST_VERSION=$version" \
    'CMD ["bash"]'
  # A quick check that the toolchain runs inside the image.
  docker run --rm --network none "$tag" bash -c 'cargo --version && rustc --version && cc --version | head -n1' >&2
}

for img in "${missing[@]}"; do
  start=$SECONDS
  case $img in
    debian:$suite-slim | debian:$suite) build_debian "$img" ;;
    rust:*-slim-$suite | rust:slim-$suite) build_rust "$img" ;;
    *) die "do not know how to build $img from Debian packages (only debian:$suite-slim and rust:*-slim-$suite)" ;;
  esac
  log "$img: built in $((SECONDS - start)) s"
done
