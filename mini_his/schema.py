"""The mini_his tables: a HOSxP-shaped outpatient/inpatient schema in SQLAlchemy Core."""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Time,
)

# Named constraints, so they can be added after the load and dropped again by name.
metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    }
)
# Thai text needs utf8mb4 whatever the database's default character set is.
_MYSQL = {"mysql_charset": "utf8mb4", "mysql_engine": "InnoDB"}


def _table(
    name: str, *items: Column | Index | PrimaryKeyConstraint | ForeignKeyConstraint
) -> Table:
    return Table(name, metadata, *items, **_MYSQL)


pttype = _table(
    "pttype",
    Column("pttype", String(2), primary_key=True),
    Column("name", String(150), nullable=False),
    Column("pcode", String(2)),
    Column("hipdata_code", String(3)),
    Column("isuse", CHAR(1)),
)

doctor = _table(
    "doctor",
    Column("code", String(7), primary_key=True),
    Column("name", String(150), nullable=False),
    Column("licenseno", String(20)),
    Column("position_id", Integer),
    Column("active", CHAR(1)),
)

drugitems = _table(
    "drugitems",
    Column("icode", String(7), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("strength", String(50)),
    Column("units", String(50)),
    Column("unitprice", Numeric(12, 2), nullable=False),
    Column("dosageform", String(50)),
    Column("did", String(20)),  # a TMT code; sometimes "123456.0" after a spreadsheet trip
)

patient = _table(
    "patient",
    Column("hn", String(9), primary_key=True),
    Column("pname", String(25)),
    Column("fname", String(100), nullable=False),
    Column("lname", String(100), nullable=False),
    Column("sex", CHAR(1)),
    Column("birthday", Date),
    Column("cid", CHAR(13)),
    Column("pttype", String(2), ForeignKey("pttype.pttype")),
    Column("addrpart", String(50)),
    Column("moopart", String(4)),
    Column("chwpart", String(2)),
    Column("hometel", String(50)),
    Column("drugallergy", Text),
    Column("firstday", Date),
    Column("last_update", DateTime),
    Index(None, "cid"),
    Index(None, "lname", "fname"),
)

# The benchmark table: 16 columns of mixed types, dirty the way a legacy HIS is.
ovst = _table(
    "ovst",
    Column("vn", String(13), primary_key=True),
    Column("hn", String(9), ForeignKey("patient.hn"), nullable=False),
    Column("an", String(9)),  # set when the visit led to an admission (ipt.an)
    Column("vstdate", Date, nullable=False),
    Column("vsttime", Time, nullable=False),
    Column("vstdate_th", String(10)),  # the same day as Buddhist-era text: '2566-03-14'
    Column("doctor", String(7), ForeignKey("doctor.code")),
    Column("pttype", String(2), ForeignKey("pttype.pttype")),
    Column("spclty", String(2)),
    Column("hospmain", String(9)),  # hospital code; sometimes '10669.0'
    Column("main_dep", String(3)),
    Column("pt_priority", Integer),
    Column("income", Numeric(12, 2)),
    Column("paid_money", Numeric(12, 2)),
    Column("staff", String(25)),  # the login that opened the visit, spaces and all
    Column("last_dttm", DateTime),
    Index(None, "hn"),
    Index(None, "vstdate"),
    Index(None, "doctor"),
)

opdscreen = _table(
    "opdscreen",
    Column("vn", String(13), ForeignKey("ovst.vn"), primary_key=True),
    Column("hn", String(9), ForeignKey("patient.hn"), nullable=False),
    Column("vstdate", Date),
    Column("bps", Integer),
    Column("bpd", Integer),
    Column("pulse", Integer),
    Column("temperature", Numeric(4, 1)),
    Column("bw", Numeric(5, 1)),
    Column("height", Numeric(5, 1)),
    Column("cc", Text),  # free-text chief complaint: newlines, tabs, quotes
    Column("symptom_json", Text),  # JSON kept in a text column
)

ovstdiag = _table(
    "ovstdiag",
    Column("ovst_diag_id", Integer, primary_key=True, autoincrement=False),
    Column("vn", String(13), ForeignKey("ovst.vn"), nullable=False),
    Column("hn", String(9), ForeignKey("patient.hn"), nullable=False),
    Column("icd10", String(9), nullable=False),  # 'E119' and 'E11.9' side by side
    Column("diagtype", CHAR(1)),
    Column("doctor", String(7), ForeignKey("doctor.code")),
    Column("vstdate", Date),
    Index(None, "vn"),
    Index(None, "icd10"),
)

opitemrece = _table(
    "opitemrece",
    Column("opitemrece_id", Integer, primary_key=True, autoincrement=False),
    Column("vn", String(13), ForeignKey("ovst.vn"), nullable=False),
    Column("hn", String(9), ForeignKey("patient.hn"), nullable=False),
    Column("icode", String(7), ForeignKey("drugitems.icode"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unitprice", Numeric(12, 2)),
    Column("sum_price", Numeric(12, 2)),
    Column("vstdate", Date),
    Column("rxtime", Time),
    Column("drugusage", String(100)),
    Index(None, "vn"),
    Index(None, "icode"),
)

ipt = _table(
    "ipt",
    Column("an", String(9), primary_key=True),
    Column("hn", String(9), ForeignKey("patient.hn"), nullable=False),
    Column("vn", String(13), ForeignKey("ovst.vn"), nullable=False),
    Column("regdate", Date, nullable=False),
    Column("regtime", Time),
    Column("dchdate", Date),  # NULL while the patient is still in the ward
    Column("dchtime", Time),
    Column("ward", String(4)),
    Column("pttype", String(2), ForeignKey("pttype.pttype")),
    Column("admdoctor", String(7), ForeignKey("doctor.code")),
    Column("dchstts", String(2)),
    Column("adjrw", Numeric(8, 4)),
    Index(None, "hn"),
    Index(None, "vn"),
)

iptadm = _table(
    "iptadm",
    Column("an", String(9), ForeignKey("ipt.an"), primary_key=True),
    Column("ward", String(4)),
    Column("roomno", String(6)),
    Column("bedno", String(6)),
    Column("indate", Date),
    Column("intime", Time),
)

lab_head = _table(
    "lab_head",
    Column("lab_order_number", Integer, primary_key=True, autoincrement=False),
    Column("vn", String(13), ForeignKey("ovst.vn"), nullable=False),
    Column("hn", String(9), ForeignKey("patient.hn"), nullable=False),
    Column("order_date", Date),
    Column("order_time", Time),
    Column("form_name", String(100)),
    Column("doctor_code", String(7), ForeignKey("doctor.code")),
    Column("confirm_report", CHAR(1)),
    Column("report_date", DateTime),
    Index(None, "vn"),
)

lab_order = _table(
    "lab_order",
    Column("lab_order_number", Integer, ForeignKey("lab_head.lab_order_number")),
    Column("lab_items_code", String(7)),
    Column("lab_order_result", String(255)),
    Column("lab_items_normal_value", String(100)),
    Column("confirm", CHAR(1)),
    PrimaryKeyConstraint("lab_order_number", "lab_items_code"),
)

#: Parents before children: the order tables are created and loaded in.
TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)
TABLE_NAMES: tuple[str, ...] = tuple(table.name for table in TABLES)
