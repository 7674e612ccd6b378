#!/usr/bin/env bash
# Install the Debian packages a part of the lab needs, only when they are missing.
#   system-deps.sh python   python3-venv (when the interpreter cannot make a venv)
#   system-deps.sh docker   docker.io, docker-compose, debootstrap (model D, and model C's hosts)
#   system-deps.sh vagrant  vagrant, openssh-client (model C)
#   system-deps.sh tools    wrk (benchmarks)
#   system-deps.sh all      every group
set -euo pipefail

packages=()
want() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }

for group in "$@"; do
  case "$group" in
    python)  "${PYTHON:-python3}" -m venv --help >/dev/null 2>&1 && "${PYTHON:-python3}" -c 'import ensurepip' 2>/dev/null \
               || packages+=(python3-venv) ;;
    docker)  want dockerd docker.io; want docker-compose docker-compose; want debootstrap debootstrap ;;
    vagrant) want vagrant vagrant; want ssh openssh-client ;;
    tools)   want wrk wrk ;;
    all)     exec "$0" python docker vagrant tools ;;
    *)       echo "system-deps: unknown group $group" >&2; exit 2 ;;
  esac
done

((${#packages[@]})) || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing ${packages[*]}; install them as root: apt-get install ${packages[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${packages[@]}" >/dev/null
