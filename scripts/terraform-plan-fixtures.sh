#!/usr/bin/env bash
# Regenerates the plan fixtures with real Terraform (offline, provider from /opt/tf-plugins):
# crates/tenet-sources/tests/fixtures/terraform-plans/NAME.json from .../terraform-plans/src/NAME/.
# The JSON is pretty-printed so diffs stay readable; commit it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/crates/tenet-sources/tests/fixtures/terraform-plans"
terraform version
for src in "$dir"/src/*/; do
  name="$(basename "$src")"
  "$root/scripts/terraform/plan.sh" "$src" | python3 -m json.tool --indent 1 >"$dir/$name.json"
  echo "wrote $dir/$name.json"
done
