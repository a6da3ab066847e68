"""The OMOP export loads ALONE into PostgreSQL (a real server the test starts in tmp_path) and
DuckDB, with every official v5.4 primary and foreign key of the vocabulary tables; and the standard
ETL join ('Maps to' a valid standard concept) finds every active code.

The DDL below is written from the facts of the OHDSI DDL (CommonDataModel inst/ddl/5.4/postgresql:
OMOPCDM_postgresql_5.4_ddl.sql, _primary_keys.sql, _constraints.sql); only the vocabulary tables,
the export holds nothing else.
"""
from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from spinekg.exports.registry import FORMATS, ExportSource, build


COLUMNS = {
    "concept": ("concept_id integer NOT NULL", "concept_name varchar(255) NOT NULL", "domain_id varchar(20) NOT NULL",
                "vocabulary_id varchar(20) NOT NULL", "concept_class_id varchar(20) NOT NULL",
                "standard_concept varchar(1) NULL", "concept_code varchar(50) NOT NULL",
                "valid_start_date date NOT NULL", "valid_end_date date NOT NULL", "invalid_reason varchar(1) NULL"),
    "vocabulary": ("vocabulary_id varchar(20) NOT NULL", "vocabulary_name varchar(255) NOT NULL",
                   "vocabulary_reference varchar(255) NULL", "vocabulary_version varchar(255) NULL",
                   "vocabulary_concept_id integer NOT NULL"),
    "domain": ("domain_id varchar(20) NOT NULL", "domain_name varchar(255) NOT NULL", "domain_concept_id integer NOT NULL"),
    "concept_class": ("concept_class_id varchar(20) NOT NULL", "concept_class_name varchar(255) NOT NULL",
                      "concept_class_concept_id integer NOT NULL"),
    "concept_relationship": ("concept_id_1 integer NOT NULL", "concept_id_2 integer NOT NULL",
                             "relationship_id varchar(20) NOT NULL", "valid_start_date date NOT NULL",
                             "valid_end_date date NOT NULL", "invalid_reason varchar(1) NULL"),
    "relationship": ("relationship_id varchar(20) NOT NULL", "relationship_name varchar(255) NOT NULL",
                     "is_hierarchical varchar(1) NOT NULL", "defines_ancestry varchar(1) NOT NULL",
                     "reverse_relationship_id varchar(20) NOT NULL", "relationship_concept_id integer NOT NULL"),
    "concept_synonym": ("concept_id integer NOT NULL", "concept_synonym_name varchar(1000) NOT NULL",
                        "language_concept_id integer NOT NULL"),
    "concept_ancestor": ("ancestor_concept_id integer NOT NULL", "descendant_concept_id integer NOT NULL",
                         "min_levels_of_separation integer NOT NULL", "max_levels_of_separation integer NOT NULL"),
}
# v5.4 gives the vocabulary tables these primary keys and no others
PRIMARY_KEYS = {"concept": "concept_id", "vocabulary": "vocabulary_id", "domain": "domain_id",
                "concept_class": "concept_class_id", "relationship": "relationship_id"}
# (table, column, referenced table, referenced column): the 14 v5.4 foreign keys of these tables
FOREIGN_KEYS = (
    ("concept", "domain_id", "domain", "domain_id"),
    ("concept", "vocabulary_id", "vocabulary", "vocabulary_id"),
    ("concept", "concept_class_id", "concept_class", "concept_class_id"),
    ("vocabulary", "vocabulary_concept_id", "concept", "concept_id"),
    ("domain", "domain_concept_id", "concept", "concept_id"),
    ("concept_class", "concept_class_concept_id", "concept", "concept_id"),
    ("concept_relationship", "concept_id_1", "concept", "concept_id"),
    ("concept_relationship", "concept_id_2", "concept", "concept_id"),
    ("concept_relationship", "relationship_id", "relationship", "relationship_id"),
    ("relationship", "relationship_concept_id", "concept", "concept_id"),
    ("concept_synonym", "concept_id", "concept", "concept_id"),
    ("concept_synonym", "language_concept_id", "concept", "concept_id"),
    ("concept_ancestor", "ancestor_concept_id", "concept", "concept_id"),
    ("concept_ancestor", "descendant_concept_id", "concept", "concept_id"),
)


def create_tables(schema: str) -> list[str]:
    return [f"CREATE TABLE {schema}.{t} ({', '.join(cols)})" for t, cols in COLUMNS.items()]


def constraints(schema: str) -> list[str]:
    out = [f"ALTER TABLE {schema}.{t} ADD CONSTRAINT xpk_{t} PRIMARY KEY ({c})" for t, c in PRIMARY_KEYS.items()]
    out += [f"ALTER TABLE {schema}.{t} ADD CONSTRAINT fpk_{t}_{c} FOREIGN KEY ({c}) REFERENCES {schema}.{rt} ({rc})"
            for t, c, rt, rc in FOREIGN_KEYS]
    return out


def _export(graph, catalog, *, descriptor: bool = True) -> dict[str, bytes]:
    """The OMOP folder, with one imported descriptor so CONCEPT_SYNONYM (and its language) is exercised."""
    from spinekg.graph.model import Catalog

    codes = dict(catalog.codes)
    if descriptor:
        codes["63304"] = dataclasses.replace(codes["63304"], descriptor="=licensed test descriptor")
    cat = Catalog(codes, catalog.facet_values, catalog.groups)
    return build(FORMATS["omop"], ExportSource(graph, cat, version="0.1.0")).files


def _codes_reaching_a_standard_concept(catalog) -> int:
    """Codes the ETL join reaches: the active ones (mapped to themselves) and the deleted ones
    replaced by another code (mapped to it)."""
    return sum(1 for r in catalog.codes.values()
               if r.status != "deleted" or any(c in catalog.codes for c in getattr(r, "replaced_by", ()) or ()))


ETL_JOIN = """SELECT count(DISTINCT c.concept_id) FROM {s}.concept c
  JOIN {s}.concept_relationship cr ON cr.concept_id_1 = c.concept_id AND cr.relationship_id = 'Maps to'
       AND cr.invalid_reason IS NULL
  JOIN {s}.concept st ON st.concept_id = cr.concept_id_2 AND st.standard_concept = 'S' AND st.invalid_reason IS NULL
  WHERE c.vocabulary_id = 'SpineKG' AND c.concept_class_id IN ('SKG Primary Code', 'SKG Add-on Code')"""


# ---------------------------------------------------------------- DuckDB

def _duck_columns(table: str) -> dict[str, str]:
    out = {}
    for col in COLUMNS[table]:
        name, typ = col.split()[:2]
        out[name] = "DATE" if typ == "date" else "INTEGER" if typ == "integer" else "VARCHAR"
    return out


def _duck_load(con, folder: Path, schema: str) -> None:
    """Tables in dependency order with the keys inline (DuckDB has no ALTER TABLE ADD FOREIGN KEY).
    CONCEPT's own three foreign keys point at tables that point back at it, so its rows are staged
    in a table with the primary key first, and copied into the fully keyed CONCEPT once those
    tables exist: every key is enforced on insert."""
    con.execute(f"CREATE SCHEMA {schema}")

    def load(table, name=None):
        path = folder / f"{table.upper()}.csv"
        con.execute(f"INSERT INTO {schema}.{name or table} SELECT * FROM read_csv(?, delim='\t', header=true, "
                    f"quote='', escape='', nullstr='', dateformat='%Y%m%d', columns=?)",
                    [str(path), _duck_columns(table)])

    def create(table, name=None, refs=None, fks=True):
        cols = list(COLUMNS[table])
        if table in PRIMARY_KEYS:
            cols.append(f"PRIMARY KEY ({PRIMARY_KEYS[table]})")
        if fks:
            cols += [f"FOREIGN KEY ({c}) REFERENCES {schema}.{(refs or {}).get(rt, rt)} ({rc})"
                     for t, c, rt, rc in FOREIGN_KEYS if t == table]
        con.execute(f"CREATE TABLE {schema}.{name or table} ({', '.join(cols)})")

    staged = {"concept": "concept_staged"}
    create("concept", "concept_staged", fks=False)
    load("concept", "concept_staged")
    for table in ("vocabulary", "domain", "concept_class", "relationship"):
        create(table, refs=staged)
        load(table)
    create("concept")
    con.execute(f"INSERT INTO {schema}.concept SELECT * FROM {schema}.concept_staged")
    for table in ("concept_relationship", "concept_synonym", "concept_ancestor"):
        create(table)
        load(table)


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_omop_loads_alone_into_duckdb_with_every_key(graph, catalog, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    folder = _write(tmp_path / "omop", _export(graph, catalog))
    con = duckdb.connect(str(tmp_path / "cdm.duckdb"))
    _duck_load(con, folder, "omop")
    rows = {t: con.execute(f"SELECT count(*) FROM omop.{t}").fetchone()[0] for t in COLUMNS}
    for t, n in rows.items():
        lines = (folder / f"{t.upper()}.csv").read_bytes().count(b"\n") - 1
        assert n == lines, t
    assert rows["concept_synonym"] == 1 and rows["domain"] >= 2
    assert con.execute(ETL_JOIN.format(s="omop")).fetchone()[0] == _codes_reaching_a_standard_concept(catalog)
    start, end = con.execute("SELECT min(valid_start_date), max(valid_end_date) FROM omop.concept").fetchone()
    assert (start.year, end.year) == (1970, 2099)  # the dates were read as dates


def test_duckdb_keys_are_enforced(graph, catalog, tmp_path):
    """The same load fails when a referenced row is missing (no DOMAIN rows)."""
    duckdb = pytest.importorskip("duckdb")
    files = dict(_export(graph, catalog))
    files["DOMAIN.csv"] = files["DOMAIN.csv"].split(b"\n", 1)[0] + b"\n"
    folder = _write(tmp_path / "broken", files)
    con = duckdb.connect()
    with pytest.raises(duckdb.ConstraintException):
        _duck_load(con, folder, "omop")


# ---------------------------------------------------------------- PostgreSQL

def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A PostgreSQL server in a temporary folder, on 127.0.0.1, stopped afterwards. PostgreSQL
    refuses to run as root (CI runs as root): then it runs as the `postgres` user Debian's package
    creates (through util-linux setpriv), in a folder that user owns."""
    psycopg = pytest.importorskip("psycopg")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("SPINEKG_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL is not installed")
    root = tmp_path_factory.mktemp("pg")
    data = root / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:
        import pwd

        pw = pwd.getpwnam("postgres")
        # as that user, keeping only the right to pass pytest's private (0700) temp folders
        caps = "+dac_read_search,+dac_override"
        run_as = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups",
                  f"--inh-caps={caps}", f"--ambient-caps={caps}", "--"]
        os.chown(root, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    subprocess.run([*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "spinekg", "-E", "UTF8",
                    "--no-locale"], check=True, capture_output=True, timeout=120)
    subprocess.run([*run_as, pg_ctl, "-D", str(data), "-w", "-t", "60", "-l", str(root / "log"), "-o",
                    f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} -c fsync=off",
                    "start"], check=True, capture_output=True, timeout=90)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg.connect(host="127.0.0.1", port=port, user="spinekg", dbname="postgres",
                                       connect_timeout=5, autocommit=True)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield conn
        conn.close()
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)


def _pg_load(conn, files: dict[str, bytes], schema: str) -> None:
    with conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
        for sql in create_tables(schema):
            cur.execute(sql)
        for table in COLUMNS:
            copy = (f"COPY {schema}.{table} FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t', HEADER true, "
                    f"NULL '', QUOTE E'\\x01')")
            with cur.copy(copy) as cp:
                cp.write(files[f"{table.upper()}.csv"])
        for sql in constraints(schema):  # the official order: load, then keys (each checks every row)
            cur.execute(sql)


def test_omop_loads_alone_into_postgresql_with_every_key(postgres, graph, catalog):
    files = _export(graph, catalog)
    _pg_load(postgres, files, "cdm")
    with postgres.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                    "WHERE n.nspname = 'cdm' AND c.contype IN ('p', 'f')")
        assert cur.fetchone()[0] == len(PRIMARY_KEYS) + len(FOREIGN_KEYS)
        cur.execute(ETL_JOIN.format(s="cdm"))
        assert cur.fetchone()[0] == _codes_reaching_a_standard_concept(catalog)
        for table in COLUMNS:
            cur.execute(f"SELECT count(*) FROM cdm.{table}")
            assert cur.fetchone()[0] == files[f"{table.upper()}.csv"].count(b"\n") - 1, table
        cur.execute("SELECT concept_synonym_name FROM cdm.concept_synonym")
        assert cur.fetchone()[0] == "'=licensed test descriptor"
        cur.execute("SELECT count(*) FROM cdm.concept WHERE invalid_reason IS NOT NULL AND valid_end_date < '2099-01-01'")
        assert cur.fetchone()[0] == sum(1 for r in catalog.codes.values() if r.status == "deleted" and r.deleted_in)


def test_postgresql_keys_are_enforced(postgres, graph, catalog):
    psycopg = pytest.importorskip("psycopg")
    files = dict(_export(graph, catalog))
    files["DOMAIN.csv"] = files["DOMAIN.csv"].split(b"\n", 1)[0] + b"\n"
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        _pg_load(postgres, files, "broken")
