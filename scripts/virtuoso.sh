#!/usr/bin/env bash
# A private OpenLink Virtuoso (Debian's virtuoso-opensource 7) for fedcat's remote-store tests and benchmarks.
#
#   scripts/virtuoso.sh start  DIR   install when missing, create DIR/db, start on free 127.0.0.1 ports,
#                                    wait until ready, print the endpoints as KEY=VALUE lines (also in DIR/env)
#   scripts/virtuoso.sh stop   DIR   clean shutdown() of the instance started in DIR
#   scripts/virtuoso.sh status DIR   exit 0 and print the endpoints when it answers, 1 otherwise
#
# Tunables (environment): VIRTUOSO_MAX_ROWS (ResultSetMaxRows, default 10000000: above a 1M-record node's graphs,
# as docs/operations.md advises; Virtuoso ships 10000),
# VIRTUOSO_QUERY_SECONDS (MaxQueryExecutionTime, default 30), VIRTUOSO_COST_SECONDS
# (MaxQueryCostEstimationTime, default 60), VIRTUOSO_BUFFERS (NumberOfBuffers, default 170000 ~ 1.3 GB of pages),
# VIRTUOSO_CHECKPOINT_MINUTES (CheckpointInterval, default 60 as shipped; shorter means smaller, shorter stalls
# during a long bulk write, see docs/operations.md), VIRTUOSO_CHECKPOINT_REMAP (the database's MaxCheckpointRemap,
# default 2000 pages as shipped; pages a checkpoint may set aside for uncommitted transactions).
#
# The system service never runs: the instance lives only in DIR, with its own ports, and a user `fedcat` who may
# update through /sparql-auth (digest auth). The anonymous SPARQL user gets no update rights: in Virtuoso those
# would also let anyone make the server fetch outside URLs (LOAD, SERVICE, FROM with get:soft).
set -euo pipefail

die() {
  echo "virtuoso.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop|status DIR" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
env_file="$dir/env"
pid_file="$dir/virtuoso.pid"
log_file="$dir/virtuoso.log"
ini="$dir/virtuoso.ini"
system_ini=/etc/virtuoso-opensource-7/virtuoso.ini

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo -n "$@" || die "installing virtuoso-opensource needs root (sudo -n failed)"
  else
    die "virtuoso-opensource is not installed and installing it needs root"
  fi
}

install_virtuoso() {
  command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null && command -v inifile >/dev/null && return 0
  echo "virtuoso.sh: installing virtuoso-opensource from the Debian archive" >&2
  # The package asks for a DBA password; preseed it so the install never prompts. Private databases created
  # below start with dba/dba regardless, and get their own password straight away.
  as_root debconf-set-selections <<'EOF'
virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba
virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba
EOF
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q virtuoso-opensource >&2; then
    # A fresh machine may have no package lists yet.
    as_root apt-get update -q >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q virtuoso-opensource >&2 ||
      die "apt-get install virtuoso-opensource failed"
  fi
  # The package's own service must not hold ports or the shared database: tests run their own instance.
  as_root sh -c 'service virtuoso-opensource-7 stop >/dev/null 2>&1 || true'
  command -v virtuoso-t >/dev/null || die "virtuoso-t missing after install"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

isql() {
  # isql-vt PORT USER PASSWORD 'EXEC=...' — errors are reported on stdout, so fail on "*** Error".
  local out
  out=$(isql-vt "127.0.0.1:$isql_port" "$@" 2>&1) || {
    echo "$out" >&2
    return 1
  }
  if grep -q '^\*\*\* Error' <<<"$out"; then
    echo "$out" >&2
    return 1
  fi
  printf '%s\n' "$out"
}

answers() {
  # The HTTP listener answers a trivial query: the SPARQL layer is up, not only the SQL one.
  python3 - "$1" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "?query=ASK%7B%7D", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

running() {
  [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

print_env() {
  cat "$env_file"
}

start() {
  if [[ -f $env_file ]] && running; then
    # shellcheck disable=SC1090
    source "$env_file"
    answers "$VIRTUOSO_HTTP/sparql" && {
      print_env
      return 0
    }
  fi
  install_virtuoso
  [[ -f $system_ini ]] || die "$system_ini missing: is virtuoso-opensource-7-common installed?"
  mkdir -p "$dir/db" "$dir/load" "$dir/vad"
  isql_port=$(free_port)
  http_port=$(free_port)
  while [[ $http_port == "$isql_port" ]]; do http_port=$(free_port); done
  cp "$system_ini" "$ini"
  set_ini() { inifile +inifile "$ini" +section "$1" +key "$2" +value "$3"; }
  set_ini Database DatabaseFile "$dir/db/virtuoso.db"
  set_ini Database ErrorLogFile "$dir/db/virtuoso.log"
  set_ini Database LockFile "$dir/db/virtuoso.lck"
  set_ini Database TransactionFile "$dir/db/virtuoso.trx"
  set_ini Database xa_persistent_file "$dir/db/virtuoso.pxa"
  set_ini TempDatabase DatabaseFile "$dir/db/virtuoso-temp.db"
  set_ini TempDatabase TransactionFile "$dir/db/virtuoso-temp.trx"
  set_ini Parameters ServerPort "127.0.0.1:$isql_port"
  set_ini Parameters DirsAllowed ".,$dir/load,/usr/share/virtuoso-opensource-7/vad"
  # An empty VAD directory skips installing the Conductor admin app: a start takes 2-4 s instead of 8-11 s.
  set_ini Parameters VADInstallDir "$dir/vad"
  set_ini Parameters NumberOfBuffers "${VIRTUOSO_BUFFERS:-170000}"
  set_ini Parameters MaxDirtyBuffers "$(((${VIRTUOSO_BUFFERS:-170000} * 3) / 4))"
  set_ini Parameters CheckpointInterval "${VIRTUOSO_CHECKPOINT_MINUTES:-60}"
  set_ini Database MaxCheckpointRemap "${VIRTUOSO_CHECKPOINT_REMAP:-2000}"
  set_ini HTTPServer ServerPort "127.0.0.1:$http_port"
  set_ini SPARQL ResultSetMaxRows "${VIRTUOSO_MAX_ROWS:-10000000}"
  set_ini SPARQL MaxQueryExecutionTime "${VIRTUOSO_QUERY_SECONDS:-30}"
  set_ini SPARQL MaxQueryCostEstimationTime "${VIRTUOSO_COST_SECONDS:-60}"
  : >"$log_file"
  (cd "$dir/db" && exec nohup virtuoso-t +foreground +configfile "$ini" >>"$log_file" 2>&1) &
  echo $! >"$pid_file"
  local http="http://127.0.0.1:$http_port"
  for _ in $(seq 1 240); do
    running || {
      tail -n 30 "$log_file" "$dir/db/virtuoso.log" >&2 2>/dev/null || true
      die "virtuoso-t exited during start-up (log above)"
    }
    if answers "$http/sparql"; then
      break
    fi
    sleep 0.25
  done
  answers "$http/sparql" || {
    stop_instance
    die "virtuoso did not become ready within 60 s (log: $log_file)"
  }
  local password user_password
  if [[ -f $env_file ]] && grep -q '^FEDCAT_STORE__PASSWORD=' "$env_file"; then
    # A restart of an existing database: its users and passwords are already set.
    password=$(sed -n 's/^VIRTUOSO_DBA_PASSWORD=//p' "$env_file")
    user_password=$(sed -n 's/^FEDCAT_STORE__PASSWORD=//p' "$env_file")
  else
    password=$(python3 -c 'import secrets; print("p" + secrets.token_hex(12))')
    user_password=$(python3 -c 'import secrets; print("p" + secrets.token_hex(12))')
    # One isql session: a dedicated update user (digest auth on /sparql-auth and the Graph Store endpoint),
    # then lock the well-known dba/dba login away.
    isql dba dba "EXEC=DB.DBA.USER_CREATE ('fedcat', '$user_password'); \
GRANT SPARQL_UPDATE TO \"fedcat\"; \
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('fedcat', 3); \
DB.DBA.USER_CHANGE_PASSWORD ('dba', 'dba', '$password');" >/dev/null || {
      stop_instance
      die "could not create the SPARQL update user"
    }
  fi
  cat >"$env_file" <<EOF
VIRTUOSO_HTTP=$http
VIRTUOSO_ISQL_PORT=$isql_port
VIRTUOSO_DBA_PASSWORD=$password
VIRTUOSO_LOAD_DIR=$dir/load
FEDCAT_STORE__BACKEND=sparql
FEDCAT_STORE__QUERY_URL=$http/sparql
FEDCAT_STORE__UPDATE_URL=$http/sparql-auth
FEDCAT_STORE__GRAPH_STORE_URL=$http/sparql-graph-crud-auth
FEDCAT_STORE__USERNAME=fedcat
FEDCAT_STORE__PASSWORD=$user_password
EOF
  chmod 600 "$env_file"
  print_env
}

stop_instance() {
  running || {
    rm -f "$pid_file"
    return 0
  }
  local pid
  pid=$(cat "$pid_file")
  local password=dba port=${isql_port:-}
  if [[ -f $env_file ]]; then
    # shellcheck disable=SC1090
    source "$env_file"
    port=${port:-$VIRTUOSO_ISQL_PORT} # during a (re)start, the new port is not in the file yet
    password=$VIRTUOSO_DBA_PASSWORD
  fi
  isql_port=$port
  # shutdown() checkpoints and exits cleanly (about 2 s); the connection drops, so its status says nothing.
  if [[ -n ${isql_port:-} ]]; then
    isql-vt "127.0.0.1:$isql_port" dba "$password" 'EXEC=shutdown()' >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "virtuoso.sh: no clean shutdown after 30 s; terminating $pid" >&2
    kill "$pid"
    sleep 2
  fi
  rm -f "$pid_file"
}

case $action in
start) start ;;
stop) stop_instance ;;
status)
  [[ -f $env_file ]] && running || exit 1
  # shellcheck disable=SC1090
  source "$env_file"
  answers "$VIRTUOSO_HTTP/sparql" || exit 1
  print_env
  ;;
*) usage ;;
esac
