#!/usr/bin/env bash
# Two kdviz replicas behind nginx, all on 127.0.0.1, without root:
#
#   bash deploy/start.sh                 # http://127.0.0.1:8650 → replicas on 8651 and 8652
#   KDVIZ_PROXY_PORT=8660 KDVIZ_REPLICA_PORTS="8661 8662 8663" bash deploy/start.sh   # 3 replicas
#   KDVIZ_PROXY_ADDRESS=0.0.0.0 KDVIZ_HOSTS="192.168.1.20 kdviz.lab" bash deploy/start.sh   # a lecture room
#
# nginx listens on KDVIZ_PROXY_ADDRESS (default 127.0.0.1: this machine only; 0.0.0.0 or the room's address to
# serve a room) and answers only the names in KDVIZ_HOSTS (default "127.0.0.1 localhost") with this port: the
# address or name the learners type. Limits per client address: KDVIZ_LIMIT_CONN connections (default 500),
# KDVIZ_LIMIT_RATE requests (default 300r/s; nginx's rate, r/s or r/m) with bursts of KDVIZ_LIMIT_BURST (10000): a class of 50 behind one
# NAT fits (deploy/nginx.conf says why).
# Each replica is `streamlit run app.py` on its own port, bound to 127.0.0.1, with the same
# KDVIZ_CACHE_DIR (default: ~/.cache/kdviz; the cache files are written atomically, so replicas
# may build it at the same time). nginx (Debian's: apt-get install -y nginx) runs from a temporary
# prefix with deploy/nginx.conf: pid, logs and temp files there. Ctrl-C (or SIGTERM) stops nginx and
# every replica (and Redis); so does nginx or a replica stopping. Prints "ready: <url>" when all answer.
#
# Rooms (a lecturer's class, issue 29) are shared by every replica through Redis: with 2+ replicas and no
# KDVIZ_ROOMS, this script starts Debian's redis-server (apt-get install -y redis-server) on 127.0.0.1 at
# KDVIZ_REDIS_PORT (default: a free port), without persistence (--save '' --appendonly no: a room lives an
# hour of lecture, not a restart), in its own directory under the run's folder, and passes
# KDVIZ_ROOMS=redis://127.0.0.1:PORT/0 to every replica. KDVIZ_ROOMS set already (a managed Redis) is passed
# as it is; one replica keeps its rooms in its own memory. Redis stops with the rest, but Redis stopping
# stops nothing: the replicas keep serving (a room is lost, never a session or a run).
set -euo pipefail
cd "$(dirname "$0")/.."

PROXY_PORT="${KDVIZ_PROXY_PORT:-8650}"
PROXY_ADDRESS="${KDVIZ_PROXY_ADDRESS:-127.0.0.1}"
read -r -a HOSTS <<< "${KDVIZ_HOSTS:-127.0.0.1 localhost}"
LIMIT_CONN="${KDVIZ_LIMIT_CONN:-500}"
LIMIT_RATE="${KDVIZ_LIMIT_RATE:-300r/s}"
LIMIT_BURST="${KDVIZ_LIMIT_BURST:-10000}"
read -r -a REPLICA_PORTS <<< "${KDVIZ_REPLICA_PORTS:-8651 8652}"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export KDVIZ_CACHE_DIR="${KDVIZ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kdviz}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
[ -x "$NGINX" ] || { echo "nginx is not installed (apt-get install -y nginx)"; exit 1; }
REDIS=""
if [ -z "${KDVIZ_ROOMS:-}" ] && [ "${#REPLICA_PORTS[@]}" -ge 2 ]; then
  REDIS="${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}"
  [ -x "$REDIS" ] || { echo "redis-server is not installed: ${#REPLICA_PORTS[@]} replicas share their rooms through it (apt-get install -y redis-server, or set KDVIZ_ROOMS=redis://HOST:PORT/0)"; exit 1; }
elif [ "${#REPLICA_PORTS[@]}" -ge 2 ] && [ "${KDVIZ_ROOMS,,}" = memory ]; then
  echo "KDVIZ_ROOMS=memory keeps a room in one replica: ${#REPLICA_PORTS[@]} replicas need a redis:// URL (or KDVIZ_ROOMS unset: this script starts redis-server)"; exit 1
fi

RUN="$(mktemp -d -t kdviz-deploy-XXXXXX)"
chmod 755 "$RUN"  # nginx's workers (user nobody when started by root) create their temp files here
mkdir -p "$RUN/tmp"
PIDS=()   # everything this script started: stopped together
SERVE=()  # nginx and the replicas: any of them stopping stops the rest (Redis is not one of them)

stop() {
  trap - EXIT INT TERM
  if [ -f "$RUN/nginx.pid" ]; then kill "$(cat "$RUN/nginx.pid" 2>/dev/null)" 2>/dev/null || true; fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done  # redis-server too (SIGTERM: it exits at once, nothing to save)
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped; logs were in $RUN"
  [ -n "${KDVIZ_KEEP_LOGS:-}" ] || rm -rf "$RUN"
}
trap stop EXIT
trap 'exit 130' INT TERM

ROOMS="in the replica's memory"
if [ -n "$REDIS" ]; then
  REDIS_PORT="${KDVIZ_REDIS_PORT:-$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}"
  mkdir -p "$RUN/redis"
  "$REDIS" --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$RUN/redis" \
    --daemonize no --logfile "$RUN/redis.log" < /dev/null &
  PIDS+=("$!")
  echo "redis pid $! 127.0.0.1:$REDIS_PORT (rooms of every replica)"
  for i in $(seq 1 50); do  # PING, until it answers +PONG (5 s)
    if "$PY" -c "import socket; s = socket.create_connection(('127.0.0.1', $REDIS_PORT), 1); s.sendall(b'PING\r\n'); assert s.recv(16).startswith(b'+PONG')" 2>/dev/null; then
      break
    fi
    [ "$i" -lt 50 ] || { echo "redis-server did not answer on 127.0.0.1:$REDIS_PORT: $(tail -n 1 "$RUN/redis.log" 2>/dev/null)"; exit 1; }
    sleep 0.1
  done
  export KDVIZ_ROOMS="redis://127.0.0.1:$REDIS_PORT/0"
  ROOMS="redis 127.0.0.1:$REDIS_PORT"
elif [ -n "${KDVIZ_ROOMS:-}" ]; then
  export KDVIZ_ROOMS
  ROOMS="KDVIZ_ROOMS (set before)"
fi

n=0
for port in "${REPLICA_PORTS[@]}"; do
  n=$((n + 1))
  "$PY" -m streamlit run app.py --server.headless true --server.address 127.0.0.1 --server.port "$port" \
    > "$RUN/replica-$port.log" 2>&1 < /dev/null &
  PIDS+=("$!")
  SERVE+=("$!")
  echo "replica r$n 127.0.0.1:$port pid $!"  # r$n: its name in X-Kdviz-Replica
done

for port in "${REPLICA_PORTS[@]}"; do
  for _ in $(seq 1 240); do
    if "$PY" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/_stcore/health', timeout=1)" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
done

# deploy/nginx.conf with this run's settings: the listen lines, the limits, and what goes between the marks
servers="" names="" allowed=""
n=0
for port in "${REPLICA_PORTS[@]}"; do
  n=$((n + 1))
  servers+="        server 127.0.0.1:$port max_fails=3 fail_timeout=10s;\n"
  names+="        \"127.0.0.1:$port\" r$n;\n"
done
for host in "${HOSTS[@]}"; do
  allowed+="        \"$host:$PROXY_PORT\" 1;\n"
  if [ "$PROXY_PORT" = 80 ]; then allowed+="        \"$host\" 1;\n"; fi  # a browser leaves out port 80
done
awk -v servers="$servers" -v names="$names" -v allowed="$allowed" -v server_name="${HOSTS[*]}" \
    -v listen="$PROXY_ADDRESS:$PROXY_PORT" -v conn="$LIMIT_CONN" -v rate="$LIMIT_RATE" -v burst="$LIMIT_BURST" '
  /# (replicas|replica names|allowed hosts|allowed names) begin/ {
    print
    if ($0 ~ /# replicas begin/) printf "%s", servers
    if ($0 ~ /# replica names begin/) printf "%s", names
    if ($0 ~ /# allowed hosts begin/) {print "    map $http_host $kdviz_host_allowed {"; print "        default 0;"; printf "%s", allowed; print "    }"}
    if ($0 ~ /# allowed names begin/) print "        server_name " server_name ";"
    skip=1; next
  }
  /# (replicas|replica names|allowed hosts|allowed names) end/ {skip=0}
  skip {next}
  /^ *listen / {sub(/listen [^; ]*/, "listen " listen)}
  /limit_conn kdviz_conn [0-9]+;/ {sub(/kdviz_conn [0-9]+;/, "kdviz_conn " conn ";")}
  /zone=kdviz_req:10m rate=/ {sub(/rate=[0-9]+r\/[sm]/, "rate=" rate)}
  /limit_req zone=kdviz_req burst=/ {sub(/burst=[0-9]+/, "burst=" burst)}
  {print}' deploy/nginx.conf > "$RUN/nginx.conf"

PROBE="$PROXY_ADDRESS"
if [ "$PROBE" = 0.0.0.0 ]; then PROBE=127.0.0.1; fi  # where this script checks that nginx answers
"$NGINX" -t -q -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/error.log"
"$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/error.log" -g "daemon off;" &
PIDS+=("$!")
SERVE+=("$!")
echo "nginx pid $! (config $RUN/nginx.conf)"
for _ in $(seq 1 50); do
  if "$PY" -c "import urllib.request as u; u.urlopen(u.Request('http://$PROBE:$PROXY_PORT/_stcore/health', headers={'Host': '${HOSTS[0]}:$PROXY_PORT'}), timeout=1)" 2>/dev/null; then
    echo "ready: http://${HOSTS[0]}:$PROXY_PORT (listening on $PROXY_ADDRESS; replicas: ${REPLICA_PORTS[*]}, cache: $KDVIZ_CACHE_DIR, rooms: $ROOMS)"
    break
  fi
  sleep 0.2
done

wait -n "${SERVE[@]}"  # until nginx or a replica stops (or a signal); the trap stops the rest
