#!/usr/bin/env bash
# Plans one Terraform configuration offline and prints `terraform show -json` of the plan.
#   scripts/terraform/plan.sh SRC_DIR [TERRAFORM ARGS FOR plan...]
# SRC_DIR is copied to a scratch directory (the source is never written to) together with
# provider.tf (dummy credentials, no AWS calls); providers come from the mirror named in
# cli.tfrc. Exits non-zero with terraform's message on stderr when init or plan fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$1" && pwd)"
shift
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$src/." "$work/"
rm -rf "$work/.terraform" "$work/.terraform.lock.hcl" "$work"/*.tfstate*
cp "$here/provider.tf" "$work/zz_tenet_provider.tf"
export TF_CLI_CONFIG_FILE="$here/cli.tfrc"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export TF_PLUGIN_CACHE_DIR=""
cd "$work"
terraform init -input=false -no-color -backend=false >init.log 2>&1 || { cat init.log >&2; exit 3; }
terraform plan -input=false -no-color -refresh=false -lock=false -out=tfplan "$@" >plan.log 2>&1 || { cat plan.log >&2; exit 4; }
terraform show -json tfplan
