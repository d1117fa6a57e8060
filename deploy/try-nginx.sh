#!/usr/bin/env bash
# Starts two trunkmock replicas and nginx (deploy/nginx.conf) on 127.0.0.1 and checks session
# affinity: every session lands on one replica, always the same, and sees only its own state.
# Needs nginx (Debian: apt-get install nginx), curl and jq. Not part of CI.
#
#   deploy/try-nginx.sh            # uses target/release/trunkmock, else target/debug/trunkmock
#   TRUNKMOCK=/path/to/trunkmock SESSIONS=40 deploy/try-nginx.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
bin="${TRUNKMOCK:-}"
if [[ -z "$bin" ]]; then
    for b in "$repo/target/release/trunkmock" "$repo/target/debug/trunkmock"; do
        if [[ -x "$b" ]]; then bin="$b"; break; fi
    done
fi
[[ -x "${bin:-}" ]] || { echo "no trunkmock binary: cargo build --release, or set TRUNKMOCK" >&2; exit 2; }
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx)" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is not installed (apt-get install jq)" >&2; exit 2; }

port_a="${PORT_A:-18081}"
port_b="${PORT_B:-18082}"
proxy="${PROXY_PORT:-18080}"
sessions="${SESSIONS:-20}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" serve --port "$port_a" --seed 1 >"$work/a.log" 2>&1 & pids+=($!)
"$bin" serve --port "$port_b" --seed 1 >"$work/b.log" 2>&1 & pids+=($!)
mkdir -p "$work/tmp"
sed -e "s/REPLICA_A_PORT/$port_a/" -e "s/REPLICA_B_PORT/$port_b/" -e "s/PROXY_PORT/$proxy/" \
    "$here/nginx.conf" >"$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf" & pids+=($!)

# Wait (bounded) until both replicas and the proxy answer.
for url in "http://127.0.0.1:$port_a/__admin/health" "http://127.0.0.1:$port_b/__admin/health" \
           "http://127.0.0.1:$proxy/__admin/health"; do
    for _ in $(seq 100); do curl -fsS "$url" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fsS "$url" >/dev/null || { echo "not up: $url" >&2; cat "$work"/*.log >&2; exit 1; }
done

provider='{"name":"mine","transport":"UDP","hostname":"h","port":1,"outbound_server":"o","outbound_server_port":1,"concurrency":1}'
failures=0
for i in $(seq "$sessions"); do
    s="team-$i"
    # Each session creates its own number of providers: 1 for team-1, 2 for team-2, ...
    for _ in $(seq $(( (i % 3) + 1 ))); do
        curl -fsS -o /dev/null -H "X-Trunkmock-Session: $s" -H 'Content-Type: application/json' \
            -d "$provider" "http://127.0.0.1:$proxy/api/providers"
    done
    want=$(( 2 + (i % 3) + 1 ))
    upstreams=""
    for _ in 1 2 3 4 5; do
        out="$(curl -fsS -D "$work/h" -H "X-Trunkmock-Session: $s" "http://127.0.0.1:$proxy/api/providers")"
        count="$(jq .count <<<"$out")"
        up="$(tr -d '\r' <"$work/h" | awk -F': ' 'tolower($1)=="x-upstream" {print $2}')"
        upstreams="$upstreams $up"
        if [[ "$count" != "$want" ]]; then
            echo "FAIL $s: saw $count providers through $up, expected $want" >&2
            failures=$((failures + 1))
        fi
    done
    distinct="$(tr ' ' '\n' <<<"$upstreams" | sed '/^$/d' | sort -u | wc -l)"
    [[ "$distinct" == 1 ]] || { echo "FAIL $s: answered by$upstreams" >&2; failures=$((failures + 1)); }
done

# Every session lives on exactly one replica.
on_a="$(curl -fsS "http://127.0.0.1:$port_a/__admin/sessions" | jq -r '.sessions[].name' | grep -c '^team-' || true)"
on_b="$(curl -fsS "http://127.0.0.1:$port_b/__admin/sessions" | jq -r '.sessions[].name' | grep -c '^team-' || true)"
if [[ $((on_a + on_b)) != "$sessions" ]]; then
    echo "FAIL: $on_a + $on_b sessions on the replicas, expected $sessions in all" >&2
    failures=$((failures + 1))
fi
echo "sessions: $sessions; on replica A: $on_a, on replica B: $on_b"
if [[ "$failures" == 0 ]]; then
    echo "ok: every session stayed on one replica and saw only its own state"
else
    echo "$failures failure(s)" >&2
    exit 1
fi
