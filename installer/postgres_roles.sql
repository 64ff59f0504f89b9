-- MeterDesk on a central PostgreSQL: the roles and what each may do.
--
--   createdb meterdesk                                            (as postgres, once)
--   psql -v db=meterdesk -f installer/postgres_roles.sql          (as postgres)
--   meterdesk db upgrade        with DATABASE_URL=postgresql://meterdesk_owner@…/meterdesk
--   psql -v db=meterdesk -f installer/postgres_roles.sql          (again: grants new tables)
--
-- Roles (cluster-wide, created once; passwords: \password meterdesk_app in psql, or pass
-- -v owner_password=… -v app_password=… -v report_password=… here):
--   meterdesk_owner   owns the database, its schema and tables; runs `meterdesk db upgrade`
--   meterdesk_app     the desktop and the companion service: SELECT/INSERT everywhere, but
--                     on the money and history tables no DELETE and UPDATE only of the
--                     columns their md_append_only trigger lets change
--   meterdesk_report  read-only (reports, exports, a replica's users)
--
-- Idempotent: run it again after every upgrade and after a restore. It starts each run
-- from no privileges, so what it grants is all the roles have. Which tables are money
-- tables is not listed here but read from the schema itself: every table guarded by the
-- md_append_only trigger (payments, receipts, bills, readings, ledger, audit, …) or by
-- md_no_delete (accounts, meters). A new append-only table is thus covered by the
-- migration that creates it, and the trigger's arguments (the columns that may change,
-- e.g. bill.status, reading's review columns, till_session's close columns,
-- document_counter.last_value) are exactly the columns granted UPDATE.
\set ON_ERROR_STOP on
\if :{?db}
\else
\echo 'usage: psql -v db=DATABASE -f postgres_roles.sql'
\quit
\endif

do $$
declare
    name text;
begin
    foreach name in array array['meterdesk_owner', 'meterdesk_app', 'meterdesk_report'] loop
        if not exists (select from pg_roles where rolname = name) then
            execute format('create role %I login', name);
        end if;
    end loop;
end $$;

-- Reports never write, even by mistake in an ad-hoc query.
alter role meterdesk_report set default_transaction_read_only = on;

\if :{?owner_password}
alter role meterdesk_owner password :'owner_password';
\endif
\if :{?app_password}
alter role meterdesk_app password :'app_password';
\endif
\if :{?report_password}
alter role meterdesk_report password :'report_password';
\endif

alter database :"db" owner to meterdesk_owner;
revoke all on database :"db" from public;
grant connect on database :"db" to meterdesk_app, meterdesk_report;

\connect :"db"

alter schema public owner to meterdesk_owner;
-- Only the owner creates objects (PostgreSQL before 15 lets everyone create in public).
revoke create on schema public from public;
grant usage on schema public to meterdesk_app, meterdesk_report;

-- Tables restored or migrated by a superuser belong to it: hand them to the owner, so
-- the next upgrade (run as meterdesk_owner) may alter them.
do $$
declare
    item record;
begin
    for item in
        select c.relname, c.relkind
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'S')
          and pg_get_userbyid(c.relowner) <> 'meterdesk_owner'
          -- a sequence owned by a column follows its table
          and not exists (select from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i'))
    loop
        execute format(
            'alter %s public.%I owner to meterdesk_owner',
            case item.relkind when 'S' then 'sequence' when 'v' then 'view' else 'table' end,
            item.relname
        );
    end loop;
    for item in
        select p.oid::regprocedure as signature
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public' and pg_get_userbyid(p.proowner) <> 'meterdesk_owner'
    loop
        execute format('alter function %s owner to meterdesk_owner', item.signature);
    end loop;
end $$;

revoke all on all tables in schema public from meterdesk_app, meterdesk_report;
revoke all on all sequences in schema public from meterdesk_app, meterdesk_report;

grant select on all tables in schema public to meterdesk_report;
grant select, insert, update, delete on all tables in schema public to meterdesk_app;
grant usage, select on all sequences in schema public to meterdesk_app;
do $$
declare
    item record;
    mutable text[];
begin
    -- The schema version is the owner's business; the app only reads it (startup check).
    if to_regclass('public.alembic_version') is not null then
        revoke insert, update, delete on table public.alembic_version from meterdesk_app;
    end if;
    for item in
        select c.relname, p.proname, t.tgargs
        from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_proc p on p.oid = t.tgfoid
        where n.nspname = 'public' and not t.tgisinternal
          and p.proname in ('md_append_only', 'md_no_delete')
    loop
        execute format('revoke delete on table public.%I from meterdesk_app', item.relname);
        continue when item.proname <> 'md_append_only';
        execute format('revoke update on table public.%I from meterdesk_app', item.relname);
        -- tgargs holds the trigger's arguments, each ended by a zero byte.
        mutable := array_remove(string_to_array(encode(item.tgargs, 'escape'), '\000'), '');
        if cardinality(mutable) > 0 then
            execute format(
                'grant update (%s) on table public.%I to meterdesk_app',
                (select string_agg(quote_ident(col), ', ') from unnest(mutable) as col),
                item.relname
            );
        end if;
    end loop;
end $$;

-- Tables a later migration creates (as meterdesk_owner) are readable and insertable at
-- once; UPDATE and DELETE wait for this script to be run again, so a new money table is
-- never writable by mistake.
alter default privileges for role meterdesk_owner in schema public
    grant select on tables to meterdesk_report;
alter default privileges for role meterdesk_owner in schema public
    grant select, insert on tables to meterdesk_app;
alter default privileges for role meterdesk_owner in schema public
    grant usage, select on sequences to meterdesk_app;

\echo 'MeterDesk roles ready on database' :db
