"""handheld terminals: column profiles (with the built-in ones) and the import log

Profiles are shared by every PC through the database. The import log is append-only
through md_append_only (0001). The built-in profiles are the one documented DBF family
(BH 表号, FLA 读数, CBSJ 抄表时间, CBZT 0 未抄 / 1 正常 / 2 失败) and plain CSV/TXT/Excel
layouts with Chinese column names; they are not edited, only copied.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLAIN = {
    "hardware_column": "表号",
    "reading_column": "读数",
    "time_column": "抄表时间",
    "status_column": "状态",
    "status_ok": ["1", "正常", "已抄"],
    "status_unread": ["0", "未抄"],
    "status_failed": ["2", "失败", "抄表失败"],
    "meter_no_column": "户表号",
    "location_column": "位置",
    "previous_column": "上次读数",
}

BUILTIN_PROFILES = [
    {
        "name": "DBF 掌上机（BH/FLA/CBSJ/CBZT）",
        "file_format": "dbf",
        "encoding": "gbk",
        "delimiter": ",",
        "hardware_column": "BH",
        "reading_column": "FLA",
        "time_column": "CBSJ",
        "status_column": "CBZT",
        "status_ok": ["1"],
        "status_unread": ["0"],
        "status_failed": ["2"],
        # Not part of the documented fields: our choice for the route file, editable in a copy.
        "meter_no_column": "HH",
        "location_column": "DZ",
        "previous_column": "SCDS",
        "note": "表号 BH，读数 FLA，抄表时间 CBSJ，状态 CBZT（0 未抄 / 1 正常 / 2 失败）",
    },
    {
        "name": "CSV 通用（GBK，逗号分隔）",
        "file_format": "csv",
        "encoding": "gbk",
        "delimiter": ",",
        **_PLAIN,
        "note": "首行列名：表号、读数、抄表时间、状态",
    },
    {
        "name": "TXT 通用（GBK，制表符分隔）",
        "file_format": "txt",
        "encoding": "gbk",
        "delimiter": "\t",
        **_PLAIN,
        "note": "首行列名：表号、读数、抄表时间、状态",
    },
    {
        "name": "Excel 通用（XLSX）",
        "file_format": "xlsx",
        "encoding": "gbk",
        "delimiter": ",",
        **_PLAIN,
        "note": "第一个工作表，首行列名：表号、读数、抄表时间、状态",
    },
]


def _created_at(name: str = "created_at") -> sa.Column:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    profile = op.create_table(
        "handheld_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("delimiter", sa.String(length=4), nullable=False),
        sa.Column("header_row", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("hardware_column", sa.String(length=40), nullable=False),
        sa.Column("reading_column", sa.String(length=40), nullable=False),
        sa.Column("time_column", sa.String(length=40), nullable=False),
        sa.Column("status_column", sa.String(length=40), nullable=True),
        sa.Column("time_format", sa.String(length=40), server_default="", nullable=False),
        sa.Column("status_ok", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("status_unread", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("status_failed", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("meter_no_column", sa.String(length=40), nullable=True),
        sa.Column("location_column", sa.String(length=40), nullable=True),
        sa.Column("previous_column", sa.String(length=40), nullable=True),
        sa.Column("builtin", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        _created_at(),
        _created_at("updated_at"),
        sa.CheckConstraint(
            "file_format in ('dbf', 'csv', 'txt', 'xls', 'xlsx')",
            name=op.f("ck_handheld_profile_file_format"),
        ),
        sa.CheckConstraint("header_row >= 1", name=op.f("ck_handheld_profile_header_row")),
        sa.CheckConstraint("btrim(name) <> ''", name=op.f("ck_handheld_profile_name")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_handheld_profile_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handheld_profile")),
        sa.UniqueConstraint("name", name=op.f("uq_handheld_profile_name")),
    )
    op.create_table(
        "handheld_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("unknown", sa.Integer(), nullable=False),
        sa.Column("anomalies", sa.Integer(), nullable=False),
        sa.Column("unread", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("unparsable", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["handheld_profile.id"],
            name=op.f("fk_handheld_import_profile_id_handheld_profile"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_handheld_import_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handheld_import")),
    )
    op.create_index(op.f("ix_handheld_import_sha256"), "handheld_import", ["sha256"], unique=False)
    op.execute(
        "create trigger handheld_import_append_only before update or delete on handheld_import "
        "for each row execute function md_append_only()"
    )
    rows = [
        {
            "header_row": 1,
            "time_format": "",
            "builtin": True,
            "active": True,
            "meter_no_column": None,
            "location_column": None,
            "previous_column": None,
            **spec,
        }
        for spec in BUILTIN_PROFILES
    ]
    op.bulk_insert(profile, rows)


def downgrade() -> None:
    op.execute("drop trigger handheld_import_append_only on handheld_import")
    op.drop_index(op.f("ix_handheld_import_sha256"), table_name="handheld_import")
    op.drop_table("handheld_import")
    op.drop_table("handheld_profile")
