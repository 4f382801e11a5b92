#!/usr/bin/env bash
# Real Terraform as the oracle for Tenet's HCL evaluation. For every Terraform fixture
# directory and every folder of ../shared/corpus/terraform that plans cleanly offline, the
# normalised documents Tenet evaluates from the HCL (`--example documents`) are compared with
# the ones `terraform show -json` renders for the same configuration (read through the same
# printer). Folders that fail to init or plan are skipped and counted, with terraform's reason.
#
# Per document: agree (same text, or unknown on both sides); tenet-unknown (Tenet cannot
# evaluate what Terraform rendered: not a wrong answer, counted); anything else (different
# text, a value Tenet claims that Terraform does not know, an entity on one side only) fails
# unless listed in scripts/terraform-oracle-exceptions.tsv with its reason and its test.
#
# A fixture directory's oracle.tfvars, when present, is given to both (`-var-file`).
# Under CI=true a missing terraform is a failure; elsewhere the check is skipped.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${TENET_CORPUS:-$root/../shared/corpus}"
exceptions="$root/scripts/terraform-oracle-exceptions.tsv"
if ! command -v terraform >/dev/null; then
  if [ "${CI:-}" = true ]; then echo "terraform-oracle: terraform not found" >&2; exit 1; fi
  echo "terraform-oracle: terraform not found; skipped"; exit 0
fi
start=$(date +%s)
(cd "$root" && cargo build -q --locked -p tenet-sources --example documents) || exit 1
docs="$root/target/debug/examples/documents"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TENET_TF_PLUGIN_CACHE="$work/plugins"

# ROOT<TAB>REL pairs: fixtures first, then the corpus.
{
  for d in "$root"/crates/tenet-sources/tests/fixtures/terraform/*/ "$root"/crates/tenet-sources/tests/fixtures/terraform-plans/src/*/; do
    printf '%s\t%s\n' "$(dirname "$d")" "$(basename "$d")"
  done
  if [ -d "$corpus/terraform" ]; then
    (cd "$corpus/terraform" && find . -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sort -u) |
      while read -r rel; do printf '%s\t%s\n' "$corpus/terraform" "${rel#./}"; done
  elif [ "${CI:-}" = true ]; then
    echo "terraform-oracle: $corpus/terraform not found" >&2; exit 1
  fi
} >"$work/dirs"

planned=0 skipped=0
: >"$work/results"
while IFS=$'\t' read -r base rel; do
  name="${base##*/}/$rel"
  args=()
  if [ -f "$base/$rel/oracle.tfvars" ]; then args=(--var-file "$base/$rel/oracle.tfvars"); fi
  plan_args=()
  if [ ${#args[@]} -gt 0 ]; then plan_args=(-var-file="$base/$rel/oracle.tfvars"); fi
  mkdir -p "$work/p"
  if ! TF_CLI_ARGS_plan="${plan_args[*]:-}" "$root/scripts/terraform/plan.sh" "$base" "$rel" >"$work/p/plan.json" 2>"$work/err"; then
    skipped=$((skipped + 1))
    printf 'SKIP %s: %s\n' "$name" "$(grep -m1 -E 'Error' "$work/err" | sed 's/^[│ ]*//' | head -c 200)"
    continue
  fi
  planned=$((planned + 1))
  "$docs" "$base/$rel" "${args[@]}" >"$work/hcl.txt" 2>"$work/hcl.err" || echo "ERR	$name	tenet: $(head -c 200 "$work/hcl.err")" >>"$work/results"
  "$docs" "$work/p/plan.json" >"$work/tf.txt" 2>"$work/tf.err" || echo "ERR	$name	plan: $(head -c 200 "$work/tf.err")" >>"$work/results"
  python3 - "$name" "$work/hcl.txt" "$work/tf.txt" >>"$work/results" <<'PY'
import sys
name, hcl, tf = sys.argv[1:]
def read(p):
    out = {}
    for line in open(p, encoding="utf-8"):
        kind, ident, field, doc = line.rstrip("\n").split("\t", 3)
        out[(kind, ident, field)] = doc
    return out
a, b = read(hcl), read(tf)
for key in sorted(set(a) | set(b)):
    x, y = a.get(key), b.get(key)
    k = "\t".join(key)
    if x == y:
        verdict = "AGREE"
    elif x == "UNKNOWN" and y is not None:
        verdict = "TENET-UNKNOWN"
    else:
        verdict = "DIFF"
    print(f"{verdict}\t{name}\t{k}\t{x}\t{y}")
PY
done <"$work/dirs"

python3 - "$work/results" "$exceptions" "$planned" "$skipped" "$start" <<'PY'
import sys, time
results, exceptions, planned, skipped, start = sys.argv[1:]
listed = {}
for line in open(exceptions, encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    cols = line.rstrip("\n").split("\t")
    listed[(cols[0], cols[1], cols[2])] = cols[3:]
counts = {"AGREE": 0, "TENET-UNKNOWN": 0, "DIFF": 0, "EXCEPTION": 0, "ERR": 0}
failures, used = [], set()
for line in open(results, encoding="utf-8"):
    cols = line.rstrip("\n").split("\t")
    verdict = cols[0]
    if verdict == "ERR":
        counts["ERR"] += 1
        failures.append(line.strip())
        continue
    key = (cols[1], cols[3], cols[4])
    if verdict == "DIFF" and key in listed:
        counts["EXCEPTION"] += 1
        used.add(key)
        continue
    counts[verdict] += 1
    if verdict == "DIFF":
        failures.append("DIFF %s %s %s %s\n  tenet:     %s\n  terraform: %s" % (cols[1], cols[2], cols[3], cols[4], cols[5], cols[6]))
    elif verdict == "TENET-UNKNOWN":
        print("tenet-unknown: %s %s %s" % (cols[1], cols[3], cols[4]))
for key in sorted(set(listed) - used):
    failures.append("stale exception (no longer differs): %s" % "\t".join(key))
total = counts["AGREE"] + counts["TENET-UNKNOWN"] + counts["DIFF"] + counts["EXCEPTION"]
print(f"terraform-oracle: {planned} configurations planned, {skipped} skipped; {total} documents: "
      f"{counts['AGREE']} agree, {counts['TENET-UNKNOWN']} unknown to Tenet only, "
      f"{counts['EXCEPTION']} documented exceptions, {counts['DIFF']} differ; "
      f"{int(time.time()) - int(start)}s")
for f in failures:
    print(f, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
