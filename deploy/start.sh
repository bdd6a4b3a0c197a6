#!/usr/bin/env bash
# Two kdviz replicas behind nginx, all on 127.0.0.1, without root:
#
#   bash deploy/start.sh                 # http://127.0.0.1:8650 → replicas on 8651 and 8652
#   KDVIZ_PROXY_PORT=8660 KDVIZ_REPLICA_PORTS="8661 8662 8663" bash deploy/start.sh   # 3 replicas
#
# Each replica is `streamlit run app.py` on its own port, bound to 127.0.0.1, with the same
# KDVIZ_CACHE_DIR (default: ~/.cache/kdviz; the cache files are written atomically, so replicas
# may build it at the same time). nginx (Debian's: apt-get install -y nginx) runs from a temporary
# prefix with deploy/nginx.conf: pid, logs and temp files there. Ctrl-C (or SIGTERM) stops nginx and
# every replica; so does any of them stopping. Prints "ready: <url>" when all answer.
set -euo pipefail
cd "$(dirname "$0")/.."

PROXY_PORT="${KDVIZ_PROXY_PORT:-8650}"
read -r -a REPLICA_PORTS <<< "${KDVIZ_REPLICA_PORTS:-8651 8652}"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export KDVIZ_CACHE_DIR="${KDVIZ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kdviz}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
[ -x "$NGINX" ] || { echo "nginx is not installed (apt-get install -y nginx)"; exit 1; }

RUN="$(mktemp -d -t kdviz-deploy-XXXXXX)"
chmod 755 "$RUN"  # nginx's workers (user nobody when started by root) create their temp files here
mkdir -p "$RUN/tmp"
PIDS=()

stop() {
  trap - EXIT INT TERM
  if [ -f "$RUN/nginx.pid" ]; then kill "$(cat "$RUN/nginx.pid" 2>/dev/null)" 2>/dev/null || true; fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped; logs were in $RUN"
  [ -n "${KDVIZ_KEEP_LOGS:-}" ] || rm -rf "$RUN"
}
trap stop EXIT
trap 'exit 130' INT TERM

for port in "${REPLICA_PORTS[@]}"; do
  "$PY" -m streamlit run app.py --server.headless true --server.address 127.0.0.1 --server.port "$port" \
    > "$RUN/replica-$port.log" 2>&1 < /dev/null &
  PIDS+=("$!")
  echo "replica 127.0.0.1:$port pid $!"
done

for port in "${REPLICA_PORTS[@]}"; do
  for _ in $(seq 1 240); do
    if "$PY" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/_stcore/health', timeout=1)" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
done

# deploy/nginx.conf with this run's ports: the listen line, and the replicas between the marks
servers=""
for port in "${REPLICA_PORTS[@]}"; do servers+="        server 127.0.0.1:$port max_fails=3 fail_timeout=10s;\n"; done
awk -v servers="$servers" -v listen="127.0.0.1:$PROXY_PORT" '
  /# replicas begin/ {print; printf "%s", servers; skip=1; next}
  /# replicas end/ {skip=0}
  skip {next}
  /^ *listen / {sub(/listen [^;]*;/, "listen " listen ";")}
  {print}' deploy/nginx.conf > "$RUN/nginx.conf"

"$NGINX" -t -q -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/error.log"
"$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/error.log" -g "daemon off;" &
PIDS+=("$!")
echo "nginx pid $! (config $RUN/nginx.conf)"
for _ in $(seq 1 50); do
  if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PROXY_PORT/_stcore/health', timeout=1)" 2>/dev/null; then
    echo "ready: http://127.0.0.1:$PROXY_PORT (replicas: ${REPLICA_PORTS[*]}, cache: $KDVIZ_CACHE_DIR)"
    break
  fi
  sleep 0.2
done

wait -n  # until one of them stops (or a signal); the trap stops the rest
