# Shared by the launch scripts: package installation and the release build.

# System packages i2i needs (Debian 12 / Ubuntu 24.04 names); iproute2 for the test hosts of
# launch/testnet (network namespaces) that the multi-host tests run on.
I2I_APT_PACKAGES="libopenblas-dev libopenmpi-dev openmpi-bin libhdf5-dev pkg-config libjpeg62-turbo-dev libpng-dev iproute2"

# Installs the given Debian/Ubuntu packages with apt-get (as root, or through sudo), quietly.
apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "== installing: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Installs the missing system packages (those of I2I_APT_PACKAGES, or the ones given).
ensure_packages() {
  local missing=() wanted=${*:-$I2I_APT_PACKAGES}
  for p in $wanted; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  # Ubuntu names libjpeg's development package differently.
  if ! apt-cache show libjpeg62-turbo-dev >/dev/null 2>&1; then
    missing=("${missing[@]/libjpeg62-turbo-dev/libjpeg-turbo8-dev}")
  fi
  apt_install "${missing[@]}"
}

# Python modules the tests import at run time: h5py and numpy, for the cross-checks against an
# independent HDF5 implementation (Tests/HDF5KitTests/H5pyCrossCheckTests.swift), and tensorboard,
# whose own reader checks the event files of a run (Tests/CLITests/TensorBoardTests.swift). The PyTorch
# and Pillow references are committed fixtures, so neither torch nor Pillow is needed.
I2I_PYTHON_TEST_MODULES="h5py numpy tensorboard"

# Installs the missing test modules into the `python3` on PATH (the one the tests run) with pip;
# where pip may not install (a distribution's externally managed Python), the distribution's
# packages instead. Prints nothing when they are installed; exits when they cannot be.
ensure_python_packages_for_tests() {
  local imports
  imports=$(echo "$I2I_PYTHON_TEST_MODULES" | sed 's/ /, /g')
  command -v python3 >/dev/null 2>&1 || apt_install python3 python3-pip
  python3 -c "import $imports" 2>/dev/null && return 0
  echo "== installing python modules for the tests: $I2I_PYTHON_TEST_MODULES ($(command -v python3))"
  mkdir -p .build
  # shellcheck disable=SC2086 # one word per module
  if ! PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
       $I2I_PYTHON_TEST_MODULES >.build/pip.log 2>&1; then
    if [ "$(command -v python3)" = /usr/bin/python3 ]; then
      apt_install python3-h5py python3-numpy
      # tensorboard has no Debian package: pip beside the distribution's modules.
      python3 -c "import tensorboard" 2>/dev/null ||
        PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
          --break-system-packages tensorboard >>.build/pip.log 2>&1 || cat .build/pip.log >&2
    else
      cat .build/pip.log >&2
    fi
  fi
  python3 -c "import $imports" || {
    echo "error: python3 cannot import $imports; install them: python3 -m pip install $I2I_PYTHON_TEST_MODULES" >&2
    exit 1
  }
}

# Builds in release mode (extra arguments are passed to swift build).
build_release() {
  echo "== building (release)"
  swift build -c release "$@" 2>&1 | grep -E "error:|warning: unre|Build complete|Compiling i2i" | grep -v "^$" || true
  swift build -c release "$@" >/dev/null 2>&1 || { swift build -c release "$@"; exit 1; }
}
