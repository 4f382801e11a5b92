#!/usr/bin/env bash
# Plans one Terraform configuration offline and prints `terraform show -json` of the plan.
#   scripts/terraform/plan.sh ROOT [REL]
# ROOT is copied to a scratch directory (sources are never written to, and relative module
# sources such as ../../modules/x keep working) and REL (default: .) is planned there, with
# a provider block added (dummy credentials, no AWS calls; an override file when the
# configuration declares its own). Providers come from the mirror named in cli.tfrc.
# Exit 3: init failed, 4: plan failed (terraform's message on stderr).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$1" && pwd)"
rel="${2:-.}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$root/." "$work/"
dir="$work/$rel"
rm -rf "$dir/.terraform" "$dir/.terraform.lock.hcl"
if grep -qsE '^\s*provider\s+"aws"\s*\{' "$dir"/*.tf; then
  cp "$here/provider.tf" "$dir/tenet_override.tf"
else
  cp "$here/provider.tf" "$dir/tenet_provider.tf"
fi
export TF_CLI_CONFIG_FILE="$here/cli.tfrc"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
# With a shared cache, init links the 700 MB provider binary instead of copying it each time.
if [ -n "${TENET_TF_PLUGIN_CACHE:-}" ]; then
  mkdir -p "$TENET_TF_PLUGIN_CACHE"
  export TF_PLUGIN_CACHE_DIR="$TENET_TF_PLUGIN_CACHE"
fi
cd "$dir"
terraform init -input=false -no-color -backend=false >"$work/init.log" 2>&1 || { grep -m3 -E 'Error|error' "$work/init.log" >&2 || cat "$work/init.log" >&2; exit 3; }
terraform plan -input=false -no-color -refresh=false -lock=false -out="$work/tfplan" >"$work/plan.log" 2>&1 || { grep -m3 -A3 -E 'Error' "$work/plan.log" >&2 || cat "$work/plan.log" >&2; exit 4; }
terraform show -json "$work/tfplan"
