"""The shape of the domain: no web framework inside, a schema that keeps data right."""

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Float, Numeric, inspect
from sqlalchemy.dialects.sqlite import dialect as sqlite
from sqlalchemy.schema import CreateTable

import plp.models
from plp.db import Base, ScaledDecimal, UTCDateTime

# Web and dashboard frameworks that belong to the ways in, never to the domain.
FORBIDDEN = {
    "flask",
    "flask_admin",
    "flask_login",
    "flask_wtf",
    "flask_sqlalchemy",
    "flask_migrate",
    "dash",
    "plotly",
    "werkzeug",
}

PLP = Path(importlib.util.find_spec("plp").submodule_search_locations[0])
PLP_FILES = sorted(PLP.rglob("*.py"))


def imported_roots(source: str) -> set[str]:
    """Return the top-level packages a module's source imports, however it does."""
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif _imports_by_name(node):
            roots.add(node.args[0].value.split(".")[0])
    return roots


def _imports_by_name(node) -> bool:
    """Tell whether a node is import_module("x") or __import__("x")."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
    first = node.args[0]
    literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
    return name in ("import_module", "__import__") and literal


@pytest.mark.parametrize(
    "source",
    [
        "import flask",
        "from flask import current_app",
        "import dash.html as html",
        "def f():\n    from flask_login import current_user",
        "import importlib\nimportlib.import_module('plotly.express')",
    ],
)
def test_the_import_check_catches_a_framework_import(source):
    assert imported_roots(source) & FORBIDDEN


def test_the_domain_package_is_found():
    assert PLP / "rules.py" in PLP_FILES
    assert PLP / "services" / "programmes.py" in PLP_FILES


@pytest.mark.parametrize("path", PLP_FILES, ids=lambda path: str(path.relative_to(PLP)))
def test_no_domain_module_imports_a_web_framework(path):
    roots = imported_roots(path.read_text(encoding="utf-8"))

    assert not roots & FORBIDDEN, f"{path.name} imports {sorted(roots & FORBIDDEN)}"


def test_importing_every_domain_module_loads_no_web_framework():
    modules = [
        ".".join(("plp", *path.relative_to(PLP).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for path in PLP_FILES
    ]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PLP.parent,
        capture_output=True,
        text=True,
        check=True,
    )

    loaded = set(json.loads(done.stdout))
    assert not loaded & FORBIDDEN


# The schema.

MODELS = sorted(
    (mapper.class_ for mapper in Base.registry.mappers), key=lambda m: m.__name__
)


def test_every_model_is_checked():
    assert len(MODELS) == len(plp.models.__all__) - len(
        [name for name in plp.models.__all__ if name.isupper()]
    )


COLUMNS = [
    (model, column) for model in MODELS for column in inspect(model).local_table.columns
]


def test_decimals_are_stored_exactly():
    inexact = [
        f"{model.__name__}.{column.name}"
        for model, column in COLUMNS
        if isinstance(column.type, Numeric | Float)
        and not isinstance(column.type, ScaledDecimal)
    ]

    # SQLite keeps NUMERIC as a float; plp.db.Money is exact on both databases.
    assert inexact == []


def test_moments_are_stored_in_utc():
    bare = [
        f"{model.__name__}.{column.name}"
        for model, column in COLUMNS
        if isinstance(column.type, DateTime)
        or (column.name.endswith("_at") and not isinstance(column.type, UTCDateTime))
    ]

    assert bare == []
    assert any(isinstance(column.type, UTCDateTime) for _, column in COLUMNS)


def test_the_session_and_the_database_delete_children_alike():
    mismatched = []
    for model in MODELS:
        for relation in inspect(model).relationships:
            if relation.direction.name != "ONETOMANY":
                continue
            keys = [fk for column in relation.remote_side for fk in column.foreign_keys]
            database_cascades = any(fk.ondelete == "CASCADE" for fk in keys)
            if relation.cascade.delete != database_cascades:
                mismatched.append(f"{model.__name__}.{relation.key}")

    # A session that kept children the database deletes would set their keys
    # to NULL first; one that deleted what the database keeps would hide it.
    assert mismatched == []


def test_no_table_gives_a_deleted_records_id_again_on_sqlite():
    # A table whose one row has a fixed id (the records' version) hands none out.
    reusing = [
        table.name
        for table in Base.metadata.sorted_tables
        if any(column.autoincrement is not False for column in table.primary_key)
        and "AUTOINCREMENT" not in str(CreateTable(table).compile(dialect=sqlite()))
    ]

    # The audit trail names records by id: a reused one would lend it history.
    assert reusing == []


def _own_modules() -> list[str]:
    root = Path(__file__).resolve().parents[2]
    names = []
    for package in ("plp", "admin"):
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.parametrize("module", _own_modules())
def test_each_module_imports_on_its_own_without_a_cycle(module):
    root = Path(__file__).resolve().parents[2]

    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
