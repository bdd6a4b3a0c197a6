#!/usr/bin/env bash
# The locks: every package the app (requirements.lock) and the tests (requirements-dev.lock) install, at one version
# each, with its sha256 hashes, resolved from requirements.txt and requirements-dev.txt by uv. pip checks the hashes
# (hash-checking mode: a lock line with --hash) and installs nothing else. Run after changing either requirements file:
#
#     bash scripts/lock.sh
#
# Needs uv (pip install uv; it is not a kdviz dependency). torch's CPU wheel comes from /opt/wheels (this project's
# machines; a torch from PyPI alone would be the multi-GB CUDA build): the locks record that folder as --find-links.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-uv}"
for pair in "requirements.txt requirements.lock" "requirements-dev.txt requirements-dev.lock"; do
  set -- $pair
  "$UV" pip compile "$1" --quiet --generate-hashes --emit-find-links --find-links /opt/wheels \
    --python-version 3.11 --python-platform x86_64-manylinux_2_28 --custom-compile-command "bash scripts/lock.sh" -o "$2"
  echo "$2: $(grep -c '^[A-Za-z0-9].*==' "$2") packages"
done
