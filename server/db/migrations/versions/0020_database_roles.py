"""database roles: what the application role may write, and the money rules it cannot skip

Every counter PC holds the application role's password, so the database, not the app,
decides what that role can do (issue 19, item 5):

- `md_grant_app_role()` grants `meterdesk_app` exactly what the services need: SELECT,
  INSERT, UPDATE and DELETE on the ordinary tables; on every append-only table no DELETE and
  UPDATE only of the columns its md_append_only trigger lets change; no TRUNCATE, TRIGGER or
  REFERENCES anywhere; the schema version read-only; `staff.password_hash` not at all. It is
  run by this migration, after every upgrade (server.db.migrate) and by
  installer/postgres_roles.sql, so a later table is covered the same way.
- A staff password changes only through two SECURITY DEFINER functions:
  `md_change_password` (the caller must present the current hash) and `md_reset_password`
  (the acting staff must be an active administrator).
- Triggers, which bind every role, check the state changes the app role may still make: a
  bill's status must be what its payments make it (or void with a credit note), a payment
  order moves created → paid / closed / exception and never back, and is paid only by an
  online payment of its amount, account and trade number; an online payment must be backed
  by a paid order or a credited exception when its transaction commits.

The application never owns a table or holds superuser, so it cannot drop or disable these
triggers nor set session_replication_role; the embedded server runs it as `meterdesk_app`
too (server.db.engine), with the migrations run by the server's superuser.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

from alembic import op

from server.db.engine import APP_ROLE, CREATE_APP_ROLE

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANT_FUNCTION = f"""
create or replace function md_grant_app_role() returns void language plpgsql as $$
declare
    app constant text := '{APP_ROLE}';
    item record;
    mutable text[];
begin
    if not exists (select from pg_roles where rolname = app) then
        return;
    end if;
    -- From no privileges each time, so what follows is all the role has.
    execute format('revoke all on all tables in schema public from %I', app);
    execute format('revoke all on all sequences in schema public from %I', app);
    execute format('revoke all on all functions in schema public from %I', app);
    execute format('grant usage on schema public to %I', app);
    execute format('grant select, insert, update, delete on all tables in schema public to %I',
                   app);
    -- UPDATE: server.db.bulk reserves a block of ids with setval.
    execute format('grant usage, select, update on all sequences in schema public to %I', app);
    -- The schema version is the owner's business; the app only reads it (startup check).
    if to_regclass('public.alembic_version') is not null then
        execute format('revoke insert, update, delete on public.alembic_version from %I', app);
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
        execute format('revoke delete on public.%I from %I', item.relname, app);
        continue when item.proname <> 'md_append_only';
        execute format('revoke update on public.%I from %I', item.relname, app);
        -- tgargs holds the trigger's arguments, each ended by a zero byte.
        mutable := array_remove(string_to_array(encode(item.tgargs, 'escape'), '\\000'), '');
        if cardinality(mutable) > 0 then
            execute format(
                'grant update (%s) on public.%I to %I',
                (select string_agg(quote_ident(col), ', ') from unnest(mutable) as col),
                item.relname, app
            );
        end if;
    end loop;
    -- A password hash changes only through md_change_password / md_reset_password.
    execute format('revoke update on public.staff from %I', app);
    execute format(
        'grant update (%s) on public.staff to %I',
        (select string_agg(quote_ident(column_name::text), ', ')
         from information_schema.columns
         where table_schema = 'public' and table_name = 'staff'
           and column_name not in ('id', 'password_hash')),
        app
    );
    execute format('grant execute on function public.md_change_password(integer, text, text)'
                   ' to %I', app);
    execute format('grant execute on function public.md_reset_password(integer, text, integer)'
                   ' to %I', app);
    execute format('grant execute on function public.md_reserve_ids(regclass, integer) to %I',
                   app);
    -- Tables a later migration creates are readable and insertable at once; UPDATE and
    -- DELETE wait for this function, run after every upgrade.
    execute format('alter default privileges in schema public grant select, insert on tables'
                   ' to %I', app);
    execute format('alter default privileges in schema public'
                   ' grant usage, select, update on sequences to %I', app);
end $$;
revoke all on function md_grant_app_role() from public;
"""

PASSWORD_FUNCTIONS = """
create function md_change_password(target_id integer, old_hash text, new_hash text)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
    update public.staff set password_hash = new_hash
    where id = target_id and password_hash = old_hash and active;
    if not found then
        raise exception 'staff % password: the current hash does not match', target_id
            using errcode = 'insufficient_privilege';
    end if;
end $$;
revoke all on function md_change_password(integer, text, text) from public;

-- An administrator is the post 'admin' (all modules) or a post granted the 'admin' module,
-- as server.services.core.permissions reads it.
create function md_reset_password(target_id integer, new_hash text, admin_id integer)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
    if not exists (
        select from public.staff s join public.post p on p.id = s.post_id
        where s.id = admin_id and s.active
          and (p.code = 'admin' or exists (
              select from public.permission_grant g
              where g.post_id = s.post_id and g.module = 'admin'
                and (g.department_id is null or g.department_id = s.department_id)))
    ) then
        raise exception 'staff % is not an active administrator', admin_id
            using errcode = 'insufficient_privilege';
    end if;
    update public.staff set password_hash = new_hash where id = target_id;
    if not found then
        raise exception 'staff % does not exist', target_id using errcode = 'no_data_found';
    end if;
end $$;
revoke all on function md_reset_password(integer, text, integer) from public;

-- server.db.bulk's block of ids: the SHARE lock that keeps other inserts from taking an id
-- of the block needs UPDATE on the whole table, which the app has on no money table.
create function md_reserve_ids(target regclass, n integer)
returns bigint language plpgsql security definer set search_path = public, pg_temp as $$
declare
    seq text := pg_get_serial_sequence(target::text, 'id');
begin
    execute format('lock table %s in share mode', target);
    return setval(seq, nextval(seq) + n - 1);
end $$;
revoke all on function md_reserve_ids(regclass, integer) from public;
"""

# A bill's status is the one its payments give it (the rule of
# server.services.billing.balances.set_status); void is final and needs a credit note.
BILL_STATUS = """
create function md_bill_status() returns trigger language plpgsql as $$
declare
    settled numeric;
    wanted text;
begin
    if old.status = 'void' then
        raise exception 'bill % is void: its status never changes', old.id
            using errcode = 'check_violation';
    end if;
    if new.status = 'void' then
        return new;  -- md_bill_void checks the credit note at commit
    end if;
    settled := coalesce((select sum(amount) from allocation
                         where bill_id = new.id and not late_fee), 0)
             - coalesce((select sum(amount) from account_ledger
                         where account_id = new.account_id and bill_id = new.id), 0);
    wanted := case when settled <= 0 then 'open'
                   when settled < new.total then 'partial' else 'paid' end;
    if new.status <> wanted then
        raise exception 'bill % is paid %, so its status is %, not %',
            new.id, settled, wanted, new.status using errcode = 'check_violation';
    end if;
    return new;
end $$;
create trigger bill_status before update of status on bill
    for each row when (old.status is distinct from new.status)
    execute function md_bill_status();

create function md_bill_void() returns trigger language plpgsql as $$
begin
    if not exists (select from credit_note where bill_id = new.id) then
        raise exception 'bill % voided without a credit note', new.id
            using errcode = 'check_violation';
    end if;
    return null;
end $$;
create constraint trigger bill_void after update of status on bill
    deferrable initially deferred
    for each row when (new.status = 'void' and old.status <> 'void')
    execute function md_bill_void();
"""

ORDER_STATUS = """
create function md_payment_order_status() returns trigger language plpgsql as $$
declare
    paid record;
begin
    if tg_op = 'INSERT' then
        if new.status <> 'created' or new.payment_id is not null then
            raise exception 'a payment order starts created, without a payment'
                using errcode = 'check_violation';
        end if;
        return new;
    end if;
    if old.status in ('paid', 'exception')
       and (new.status, new.payment_id, new.trade_no, new.paid_at, new.settled_by)
           is distinct from (old.status, old.payment_id, old.trade_no, old.paid_at,
                             old.settled_by) then
        raise exception 'payment order % is %: settled for good', old.order_no, old.status
            using errcode = 'check_violation';
    end if;
    if old.status = 'closed' and new.status not in ('closed', 'exception') then
        raise exception 'payment order % is closed: only an exception may follow',
            old.order_no using errcode = 'check_violation';
    end if;
    if new.status = 'paid' and old.status <> 'paid' then
        select channel, amount, account_id, reference into paid
        from payment where id = new.payment_id;
        if not found or paid.channel <> 'online' or paid.amount <> new.amount
           or paid.account_id <> new.account_id or paid.reference <> new.trade_no then
            raise exception 'payment order % is paid only by an online payment of %',
                new.order_no, new.amount
                using errcode = 'check_violation';
        end if;
    end if;
    return new;
end $$;
create trigger payment_order_status before insert or update on payment_order
    for each row execute function md_payment_order_status();

create function md_payment_exception_status() returns trigger language plpgsql as $$
declare
    paid record;
begin
    if tg_op = 'INSERT' then
        if new.status <> 'open' or new.payment_id is not null then
            raise exception 'a payment exception starts open, without a payment'
                using errcode = 'check_violation';
        end if;
        return new;
    end if;
    if old.status <> 'open' and (new.status, new.payment_id, new.refund_reference)
           is distinct from (old.status, old.payment_id, old.refund_reference) then
        raise exception 'payment exception % is %: resolved for good', old.id, old.status
            using errcode = 'check_violation';
    end if;
    if new.status = 'credited' and old.status = 'open' then
        select channel, amount, reference into paid from payment where id = new.payment_id;
        if not found or paid.channel <> 'online' or paid.amount <> new.amount
           or paid.reference <> new.trade_no then
            raise exception 'payment exception % is credited only by an online payment of %',
                new.id, new.amount
                using errcode = 'check_violation';
        end if;
    end if;
    return new;
end $$;
create trigger payment_exception_status before insert or update on payment_exception
    for each row execute function md_payment_exception_status();

-- Money that arrives online is the provider's word, kept as a paid order or a credited
-- exception in the same transaction; an online payment with neither is made up.
create function md_online_payment_backed() returns trigger language plpgsql as $$
begin
    if not exists (select from payment_order where payment_id = new.id and status = 'paid')
       and not exists (select from payment_exception
                       where payment_id = new.id and status = 'credited') then
        raise exception 'online payment % has no paid order or credited exception', new.id
            using errcode = 'check_violation';
    end if;
    return null;
end $$;
create constraint trigger payment_online_backed after insert on payment
    deferrable initially deferred
    for each row when (new.channel = 'online')
    execute function md_online_payment_backed();
"""

DROP = """
drop trigger payment_online_backed on payment;
drop function md_online_payment_backed();
drop trigger payment_exception_status on payment_exception;
drop function md_payment_exception_status();
drop trigger payment_order_status on payment_order;
drop function md_payment_order_status();
drop trigger bill_void on bill;
drop function md_bill_void();
drop trigger bill_status on bill;
drop function md_bill_status();
drop function md_reserve_ids(regclass, integer);
drop function md_reset_password(integer, text, integer);
drop function md_change_password(integer, text, text);
drop function md_grant_app_role();
"""


def upgrade() -> None:
    op.execute(CREATE_APP_ROLE)
    op.execute(PASSWORD_FUNCTIONS)
    op.execute(GRANT_FUNCTION)
    op.execute(BILL_STATUS)
    op.execute(ORDER_STATUS)
    op.execute("select md_grant_app_role()")


def downgrade() -> None:
    op.execute(DROP)
