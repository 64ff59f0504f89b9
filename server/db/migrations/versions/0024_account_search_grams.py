"""account search grams: the counter's search box on a million accounts without pg_trgm

The counter's search (server.services.accounts.accounts.find_accounts) wants every typed
word somewhere in an account's number, holder, room, unit or mobile: a LIKE '%word%' that
no b-tree answers, 330-380 ms per search by scanning a million accounts (issue 21). The
embedded PostgreSQL has no pg_trgm, so core PostgreSQL does the same with a GIN index on
arrays:

- `md_account_text(...)` is the searched text: the fields joined by spaces. A typed word
  holds no space, so it never matches across two fields.
- `md_grams(t)` is its distinct two-character substrings plus its single characters above
  '~' (a Chinese family name is one character). A word's grams are contained in the grams
  of any text holding the word, so `md_grams(text) @> md_grams(word)` finds the candidates
  in the index and the LIKE keeps the ones that really hold it.
- Statistics on the searched text let the planner tell a word most accounts hold (read the
  table in account-number order) from a rare one (ask the index).

Every column passed is NOT NULL (server.db.models.accounts), so the text is never null.
Both functions keep PostgreSQL's default EXECUTE for PUBLIC: `md_grant_app_role` revokes
only what was granted to the application role itself. Building the index took 39-67 s on a
million accounts (52 MB; md_1m, 2 cores, under load); upgrading a database that large holds
its account table's writes for that long.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 15:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The searched text of an account, exactly as server.services.accounts.accounts writes it.
ACCOUNT_TEXT = "md_account_text(account_no, holder_name, unit, room, mobile)"

FUNCTIONS = """
create function md_account_text(
    account_no text, holder_name text, unit text, room text, mobile text
) returns text language sql immutable parallel safe
return account_no || ' ' || holder_name || ' ' || room || ' ' || unit || '单元 ' || mobile;

-- ascii() of a character is its code point: the test does not depend on a collation.
create function md_grams(t text) returns text[] language sql immutable strict parallel safe
return array(
    select distinct g from (
        select substr(t, i, 2) as g from generate_series(1, length(t) - 1) as i
        union all
        select substr(t, i, 1) from generate_series(1, length(t)) as i
        where ascii(substr(t, i, 1)) > 126
    ) as grams
);
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    op.execute(
        f"create index ix_account_search_grams on account using gin (md_grams({ACCOUNT_TEXT}))"
    )
    op.execute(f"create statistics account_search_text on ({ACCOUNT_TEXT}) from account")
    op.execute("analyze account")


def downgrade() -> None:
    op.execute("drop statistics account_search_text")
    op.execute("drop index ix_account_search_grams")
    op.execute("drop function md_grams(text)")
    op.execute("drop function md_account_text(text, text, text, text, text)")
