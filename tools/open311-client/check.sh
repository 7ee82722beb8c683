#!/usr/bin/env bash
# Builds shequ, gives a small city a client key with `shequ open311 key add`, serves
# it, and runs the independent Open311 client (client.py, Python's standard library
# only) against it: services listed, a request posted with the key, its status read.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
bin="$work/shequ"
go build -o "$bin" .
db="$work/city.db"
"$bin" org add --db "$db" --code 450400 --name 梧州市 >/dev/null
"$bin" org add --db "$db" --code 450403 --name 万秀区 --parent 450400 >/dev/null
"$bin" org add --db "$db" --code 450403001 --name 城东街道 --parent 450403 >/dev/null
"$bin" org add --db "$db" --code 450403001001 --name 东兴社区 --parent 450403001 >/dev/null 2>&1
key=$("$bin" open311 key add --db "$db" --name ci-client --org 450403001001 | tail -1)
port=$((20000 + RANDOM % 20000))
"$bin" serve --db "$db" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
python3 tools/open311-client/client.py "http://127.0.0.1:$port/open311/v2" "$key"
