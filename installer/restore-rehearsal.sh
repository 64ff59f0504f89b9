#!/bin/sh
# Restore rehearsal: bring back last night's dump and the server as it was a few minutes
# ago (base backup + archived WAL) on this machine, beside the live database, check both,
# then remove them. Run it monthly (and after changing the backup setup), as postgres:
#
#   sudo -u postgres env METERDESK=/opt/meterdesk/bin/meterdesk installer/restore-rehearsal.sh
#
# Settings (environment): BACKUPS (/var/backups/meterdesk), DB (meterdesk), AT (the moment,
# 'YYYY-MM-DD HH:MM:SS' business time; default MINUTES_AGO=10 minutes ago), PORT (5499),
# METERDESK (the meterdesk program), OS_USER (run as root: the user PostgreSQL runs as);
# the server is reached as libpq's PGHOST/PGPORT/PGUSER say. Nothing live is touched: the
# dump goes into a new database md_rehearsal, the point-in-time restore into a new folder
# served on PORT (localhost only).
set -eu
BACKUPS=${BACKUPS:-/var/backups/meterdesk}
DB=${DB:-meterdesk}
PORT=${PORT:-5499}
METERDESK=${METERDESK:-meterdesk}
AT=${AT:-$(TZ=Asia/Shanghai date -d "-${MINUTES_AGO:-10} min" '+%Y-%m-%d %H:%M:%S')}
CHECK="select count(*) || ' payments, ' || coalesce(sum(amount), 0) || ' yuan'
       || coalesce(', last at ' || max(created_at)::text, '') from payment"

as_postgres() {
    if [ -n "${OS_USER:-}" ]; then runuser -u "$OS_USER" -- "$@"; else "$@"; fi
}

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
echo "dump: $(psql -X -At -d md_rehearsal -c "$CHECK")"
dropdb md_rehearsal

echo "== 2. the server as it was at $AT (business time, Asia/Shanghai)"
data=$(mktemp -d /var/tmp/md-rehearsal-XXXXXX)
[ -n "${OS_USER:-}" ] && chown "$OS_USER" "$data"
trap 'as_postgres pg_ctl -D "$data" stop -m fast >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
DATABASE_URL=postgresql:///$DB "$METERDESK" restore --to-time "$AT" \
    --base-dir "$BACKUPS/base" --wal-archive "$BACKUPS/wal" --data "$data" --port "$PORT" \
    ${OS_USER:+--os-user "$OS_USER"}
echo "at $AT: $(psql -X -At -h localhost -p "$PORT" -d "$DB" -c "$CHECK")"
echo "rehearsal done: compare the figures with what the live database had then"
