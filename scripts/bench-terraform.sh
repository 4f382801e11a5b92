#!/usr/bin/env bash
# Benchmark: `tenet scan` over 5,000 generated .tf files: 250 root modules of 18 files (17 with
# variables, locals, jsonencode, heredoc and aws_iam_policy_document policies and attachments,
# one with a module call with count) plus a 2-file local module each. Prints files per second
# and peak memory (/usr/bin/time -v).
#   scripts/bench-terraform.sh [TENET_BINARY]   (default: target/release/tenet)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tenet="${1:-$root/target/release/tenet}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir" "$dir.out" "$dir.time"' EXIT
python3 "$root/scripts/bench/generate_terraform.py" "$dir" 250 17
files=$(find "$dir" -name '*.tf' | wc -l)
echo "generated $files .tf files in $(find "$dir" -maxdepth 1 -mindepth 1 -type d | wc -l) root modules"
/usr/bin/time -v "$tenet" scan "$dir" --format json --no-config >"$dir.out" 2>"$dir.time" || true
python3 - "$dir.out" "$dir.time" "$files" <<'PY'
import json, sys, re
out, tm, files = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3])
d = json.load(open(out))
c = d["summary"]
counts = {k: c.get(k, c.get("counts", {}).get(k)) for k in ("PASS", "FAIL", "SKIP", "UNKNOWN")}
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", tm).group(1)
parts = [float(p) for p in wall.split(":")]
secs = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", tm).group(1))
print(f"{files} files, {c['entities']} entities, {counts}, {len(d['warnings'])} warnings: "
      f"{secs:.2f}s wall, {files / secs:.0f} files/s, peak RSS {rss / 1024:.1f} MiB")
PY
