"""A campaign and `nanocat status` on a PostgreSQL store (the real server of test_postgres_store's fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_postgres_store import postgres_server, postgres_url  # noqa: F401 - the session's server and a database

from nanocat.atoms.store import ResultStore, redact_url
from nanocat.cli import main


def test_postgres_campaign_and_status(postgres_url: str, tmp_path: Path,  # noqa: F811 - fixture
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "Cu4", "Cu13", "--engine", "emt", "--adsorbates", "H", "--sites", "top", "--workers", "1",
                 "--db", postgres_url, "--out", str(tmp_path), "--no-progress", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert sorted(document["ranking"]) == ["Cu13", "Cu4"]
    assert main(["status", "--db", postgres_url, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    counts = {c["cluster"]: (c["planned"], c["done"], c["failed"], c["missing"]) for c in status["clusters"]}
    by_name = {r["name"]: r["computed"] + r["reused"] for r in document["results"]}
    assert counts == {name: (n, n, 0, 0) for name, n in by_name.items()}
    assert len(ResultStore(postgres_url)) == by_name["Cu4"] + by_name["Cu13"] - 8  # the gas rows are shared
    assert status["db"] == redact_url(postgres_url)  # never the password
