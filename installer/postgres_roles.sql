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
--                     columns their md_append_only trigger lets change; no password hash
--                     (see the README's threat model for the whole list)
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

revoke all on all tables in schema public from meterdesk_report;
revoke all on all sequences in schema public from meterdesk_report;
grant select on all tables in schema public to meterdesk_report;

-- meterdesk_app's privileges are the schema's own business (migration 0020's
-- md_grant_app_role, also run after every upgrade): on the money tables no DELETE and
-- UPDATE only of the columns their md_append_only trigger lets change, staff passwords
-- only through md_change_password / md_reset_password, no TRUNCATE or TRIGGER anywhere.
-- Before the first upgrade there is nothing to grant.
select to_regprocedure('public.md_grant_app_role()') is not null as migrated \gset
\if :migrated
do $$ begin perform public.md_grant_app_role(); end $$;
\endif

-- Tables a later migration creates (as meterdesk_owner) are readable and insertable at
-- once; UPDATE and DELETE wait for md_grant_app_role (which `meterdesk db upgrade` runs at
-- its end), so a new money table is never writable by mistake.
alter default privileges for role meterdesk_owner in schema public
    grant select on tables to meterdesk_report;
alter default privileges for role meterdesk_owner in schema public
    grant select, insert on tables to meterdesk_app;
alter default privileges for role meterdesk_owner in schema public
    grant usage, select, update on sequences to meterdesk_app;

\echo 'MeterDesk roles ready on database' :db
