#!/bin/sh
# Restore rehearsal: bring back last night's dump and the server as it was a few minutes
# ago (base backup + archived WAL) on this machine, beside the live database, check both,
# then remove them. Run it monthly (and after changing the backup setup), as postgres:
#
#   sudo -u postgres env METERDESK=/opt/meterdesk/bin/meterdesk installer/restore-rehearsal.sh
#
# Settings (environment): BACKUPS (/var/backups/meterdesk), MINUTES_AGO (10), PORT (5499),
# METERDESK (the meterdesk program). Nothing live is touched: the dump goes into a new
# database md_rehearsal, the point-in-time restore into a new folder on PORT (localhost).
set -eu
BACKUPS=${BACKUPS:-/var/backups/meterdesk}
MINUTES_AGO=${MINUTES_AGO:-10}
PORT=${PORT:-5499}
METERDESK=${METERDESK:-meterdesk}
CHECK="select count(*) || ' payments, ' || coalesce(sum(amount), 0) || ' yuan, last at ' \
|| coalesce(max(created_at)::text, '-') from payment"

echo "== 1. the newest dump into a new database"
dump=$(ls -1 "$BACKUPS"/meterdesk-*.dump | sort | tail -n 1)
dropdb --if-exists md_rehearsal
createdb md_rehearsal
# The checksum is verified first; an older schema is reported (db upgrade), not a failure.
if ! out=$(DATABASE_URL=postgresql:///md_rehearsal "$METERDESK" restore "$dump" 2>&1); then
    echo "$out"
    case "$out" in *"db upgrade"*) ;; *) dropdb md_rehearsal; exit 1 ;; esac
fi
echo "$out"
psql -X -At -d md_rehearsal -c "$CHECK"
dropdb md_rehearsal

echo "== 2. the server as it was $MINUTES_AGO minutes ago (business time, Asia/Shanghai)"
moment=$(TZ=Asia/Shanghai date -d "-$MINUTES_AGO min" '+%Y-%m-%d %H:%M:%S')
data=$(mktemp -d /var/tmp/md-rehearsal-XXXXXX)
trap 'pg_ctl -D "$data" stop -m fast >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
DATABASE_URL=postgresql:///meterdesk "$METERDESK" restore --to-time "$moment" \
    --base-dir "$BACKUPS/base" --wal-archive "$BACKUPS/wal" --data "$data" --port "$PORT"
psql -X -At -h localhost -p "$PORT" -d meterdesk -c "$CHECK"
echo "rehearsal done: compare the figures above with the live database's at those times"
