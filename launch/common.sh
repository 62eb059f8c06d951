# Shared by the launch scripts: package installation and the release build.

# System packages i2i needs (Debian 12 / Ubuntu 24.04 names).
I2I_APT_PACKAGES="libopenblas-dev libopenmpi-dev openmpi-bin libhdf5-dev pkg-config libjpeg62-turbo-dev libpng-dev"

# Installs the missing system packages with apt-get (as root, or through sudo).
ensure_packages() {
  local missing=()
  for p in $I2I_APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  # Ubuntu names libjpeg's development package differently.
  if ! apt-cache show libjpeg62-turbo-dev >/dev/null 2>&1; then
    missing=("${missing[@]/libjpeg62-turbo-dev/libjpeg-turbo8-dev}")
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "== installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Python packages used only by tests that compare against Pillow (no PyTorch needed: the
# PyTorch fixtures are committed).
ensure_python_packages_for_tests() { :; }

# Builds in release mode (extra arguments are passed to swift build).
build_release() {
  echo "== building (release)"
  swift build -c release "$@" 2>&1 | grep -E "error:|warning: unre|Build complete|Compiling i2i" | grep -v "^$" || true
  swift build -c release "$@" >/dev/null 2>&1 || { swift build -c release "$@"; exit 1; }
}
