#!/usr/bin/env bash
# The restore drill: a point-in-time recovery with pgBackRest, end to end, on one machine.
#
# In a scratch directory, on spare ports (never the machine's own clusters):
#   1. a fresh PostgreSQL cluster archiving its WAL to an encrypted pgBackRest repository;
#   2. the app's migrations and demo data (seed_demo), then a full backup;
#   3. bookings, record amendments and a cancellation through the app's services,
#      then the recovery point T is noted (with every table's row count at T);
#   4. more bookings, an amendment and a cancellation after T;
#   5. the cluster is stopped and its data directory deleted (the disk is lost);
#   6. a restore to T into a fresh data directory, started on another port;
#   7. checks: every change before T is there, none after, every table has its row count
#      at T; `manage.py check`, `migrate --check` and a booking work on the restored
#      database; the append-only triggers came back with it.
# Prints the recovery point, the time the restore took and the rows checked; cleans up
# whatever happens. Safe to run while other clusters serve; each run starts from nothing.
#
#   bash .ci/restore-drill.sh          (CI runs it; installs pgbackrest from Debian if missing)
# Needs: PostgreSQL's server binaries (PG_BIN, default the newest /usr/lib/postgresql/*/bin),
# pgbackrest, the project's virtualenv (PY, default .venv/bin/python). As root, the
# clusters and pgBackRest run as the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
PY=$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
STANZA=drill

if ! command -v pgbackrest >/dev/null 2>&1; then
  echo "== installing pgbackrest (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends pgbackrest
fi
[ -x "$PG_BIN/initdb" ] || { echo "no PostgreSQL server binaries in '$PG_BIN' (set PG_BIN)" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER=$(id -un)
  as_owner() { "$@"; }
fi

WORK=$(mktemp -d /tmp/healthcare-restore-drill-XXXXXX)
chmod 755 "$WORK"
chown "$OWNER" "$WORK"
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SOURCE_PORT=$(free_port)
RESTORED_PORT=$(free_port)
while [ "$RESTORED_PORT" = "$SOURCE_PORT" ]; do RESTORED_PORT=$(free_port); done

cleanup() {
  for data in "$WORK/source" "$WORK/restored"; do
    if [ -f "$data/postmaster.pid" ]; then
      as_owner "$PG_BIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

CONFIG="$WORK/pgbackrest.conf"
as_owner mkdir -p "$WORK/repo" "$WORK/log" "$WORK/lock" "$WORK/spool"
as_owner tee "$CONFIG" >/dev/null <<EOF
[global]
repo1-path=$WORK/repo
repo1-retention-full=2
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
log-path=$WORK/log
lock-path=$WORK/lock
spool-path=$WORK/spool
log-level-console=warn
start-fast=y

[$STANZA]
pg1-path=$WORK/source
pg1-port=$SOURCE_PORT
pg1-socket-path=$WORK
EOF
chmod 600 "$CONFIG"
BACKREST=(as_owner pgbackrest --config="$CONFIG" --stanza="$STANZA")

start_cluster() {  # start_cluster DATA_DIR PORT
  as_owner "$PG_BIN/pg_ctl" -D "$1" -l "$1.log" -w -t 120 -o "-p $2 -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
}
psql_at() {  # psql_at PORT SQL
  as_owner "$PG_BIN/psql" -h "$WORK" -p "$1" -U postgres -d healthcare -tAX -v ON_ERROR_STOP=1 -c "$2"
}

echo "== a scratch cluster ($("$PG_BIN/postgres" --version)) on port $SOURCE_PORT, archiving to pgBackRest $(pgbackrest version | cut -d' ' -f2) (aes-256-cbc)"
as_owner "$PG_BIN/initdb" -D "$WORK/source" -U postgres -A trust --no-instructions >/dev/null
as_owner tee -a "$WORK/source/postgresql.conf" >/dev/null <<EOF
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$CONFIG --stanza=$STANZA archive-push %p'
max_wal_senders = 3
fsync = off
EOF
start_cluster "$WORK/source" "$SOURCE_PORT"
as_owner "$PG_BIN/createdb" -h "$WORK" -p "$SOURCE_PORT" -U postgres healthcare
"${BACKREST[@]}" stanza-create
"${BACKREST[@]}" check

export DATABASE_URL="postgres://postgres@127.0.0.1:$SOURCE_PORT/healthcare"
echo "== the app's migrations and demo data"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py seed_demo >/dev/null

echo "== full backup"
"${BACKREST[@]}" --type=full backup

STATE="$WORK/state.json"
echo "== changes through the app's services, then the recovery point"
"$PY" .ci/restore_drill.py before "$STATE"
TARGET=$(psql_at "$SOURCE_PORT" "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
echo "recovery point T = $TARGET"
sleep 1
"$PY" .ci/restore_drill.py after "$STATE"
"${BACKREST[@]}" check  # switches to a new WAL segment and waits until it is archived

echo "== the disk is lost: the cluster stops and its data directory goes"
as_owner "$PG_BIN/pg_ctl" -D "$WORK/source" -m fast stop >/dev/null
rm -rf "$WORK/source"

echo "== restore to T into a fresh data directory, on port $RESTORED_PORT"
STARTED=$(date +%s.%N)
as_owner mkdir -m 700 "$WORK/restored"
"${BACKREST[@]}" --pg1-path="$WORK/restored" --type=time --target="$TARGET" \
  --target-action=promote restore
# The restored cluster must not archive into the drill's repository or take the old port.
as_owner tee -a "$WORK/restored/postgresql.auto.conf" >/dev/null <<EOF
archive_mode = off
port = $RESTORED_PORT
EOF
start_cluster "$WORK/restored" "$RESTORED_PORT"
for _ in $(seq 120); do
  [ "$(psql_at "$RESTORED_PORT" 'SELECT pg_is_in_recovery()')" = f ] && break
  sleep 0.5
done
[ "$(psql_at "$RESTORED_PORT" 'SELECT pg_is_in_recovery()')" = f ] || { echo "the restored cluster never left recovery"; tail -20 "$WORK/restored.log"; exit 1; }
FINISHED=$(date +%s.%N)
REPLAYED=$(psql_at "$RESTORED_PORT" "SELECT to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")

echo "== checks on the restored database"
export DATABASE_URL="postgres://postgres@127.0.0.1:$RESTORED_PORT/healthcare"
"$PY" .ci/restore_drill.py verify "$STATE"
"$PY" manage.py check --database default
"$PY" manage.py migrate --check --noinput -v 0 && echo "no migration left to apply"
TRIGGERS=$(psql_at "$RESTORED_PORT" "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%append_only'")
[ "$TRIGGERS" = 3 ] || { echo "append-only triggers on the restored database: $TRIGGERS, expected 3"; exit 1; }
echo "append-only triggers present: $TRIGGERS"
"$PY" .ci/restore_drill.py book

BACKUP=$("${BACKREST[@]}" info --output=json | "$PY" -c '
import json, sys
backup = json.load(sys.stdin)[0]["backup"][-1]
print(f"{backup["label"]}, {backup["info"]["size"] / 2**20:.1f} MiB ({backup["info"]["repository"]["delta"] / 2**20:.1f} MiB in the repository)")
')
echo
echo "restore drill passed"
echo "  full backup:          $BACKUP"
echo "  recovery target:      $TARGET"
echo "  last commit replayed: $REPLAYED"
"$PY" -c "print(f'  restore took:         {$FINISHED - $STARTED:.1f} s (pgbackrest restore, WAL replay to T, promotion)')"
