#!/bin/sh
# WAL archiving for point-in-time recovery: PostgreSQL's archive_command, run by the server
# for each finished WAL segment. In postgresql.conf (see the README, "Point-in-time recovery"):
#
#   wal_level = replica
#   archive_mode = on
#   archive_timeout = 60s        # a quiet server still archives its last minute
#   archive_command = '/usr/local/bin/meterdesk-archive-wal %p %f /var/backups/meterdesk/wal'
#
#   install -m 755 installer/meterdesk-archive-wal.sh /usr/local/bin/meterdesk-archive-wal
#   install -d -o postgres -g postgres -m 700 /var/backups/meterdesk/wal
#
# Put the archive folder on another disk (or an NFS mount of another machine): it is what
# brings the database back when this disk is lost. PostgreSQL keeps a segment until this
# script succeeds for it, so a failing archive is retried, never skipped (watch
# pg_stat_archiver.failed_count, or the server's disk filling up).
#
# The copy goes to a temporary name, is flushed, then renamed: a crash never leaves a
# half-written segment under its real name. A segment already archived with the same
# content (a retry after a crash between the copy and PostgreSQL's note of it) is success;
# with different content it is an error, never overwritten.
set -eu
src=$1
name=$2
dir=$3
if [ -f "$dir/$name" ]; then
    if cmp -s "$src" "$dir/$name"; then
        exit 0
    fi
    echo "meterdesk-archive-wal: $dir/$name exists with other content; not overwritten" >&2
    exit 1
fi
cp "$src" "$dir/$name.tmp"
sync "$dir/$name.tmp"
mv "$dir/$name.tmp" "$dir/$name"
