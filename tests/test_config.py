"""Settings precedence and the security checks made before anything listens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from frontgate.config import load_settings


def test_cli_beats_env_beats_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "frontgate.yaml"
    cfg.write_text("port: 1111\nadmin-port: 2222\nstage: fromfile\nworkers: 3\n")
    monkeypatch.setenv("FRONTGATE_PORT", "3333")
    monkeypatch.setenv("FRONTGATE_STAGE", "fromenv")
    s = load_settings(str(cfg), {"stage": "fromcli"})
    assert (s.port, s.admin_port, s.stage, s.workers) == (3333, 2222, "fromcli", 3)


def test_unknown_config_key_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "frontgate.yaml"
    cfg.write_text("prot: 8080\n")
    with pytest.raises(ValueError, match="unknown setting 'prot'"):
        load_settings(str(cfg), {})


def test_admin_api_off_loopback_needs_credentials(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not loopback"):
        load_settings(None, {"admin_host": "0.0.0.0"})
    ok = load_settings(None, {"admin_host": "0.0.0.0", "admin_access_keys": "AKID:SECRET"})
    assert ok.admin_access_keys == {"AKID": "SECRET"}
    assert load_settings(None, {"admin_host": "::1"}).admin_host == "::1"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "frontgate",
            "serve",
            "--admin-host",
            "0.0.0.0",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "admin_access_keys" in proc.stderr


def test_regions_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "frontgate.yaml"
    cfg.write_text("region: eu-west-1\nregions: [us-west-2, ap-south-1]\n")
    s = load_settings(str(cfg), {})
    assert (s.region, s.regions) == ("eu-west-1", ("us-west-2", "ap-south-1"))
    monkeypatch.setenv("FRONTGATE_REGIONS", "eu-central-1, us-east-2")
    assert load_settings(None, {}).regions == ("eu-central-1", "us-east-2")
    assert load_settings(None, {"regions": "ca-central-1"}).regions == ("ca-central-1",)
    with pytest.raises(ValueError, match="region 'Not/A Region'"):
        load_settings(None, {"regions": "Not/A Region"})
    with pytest.raises(ValueError, match="region ''"):
        load_settings(None, {"region": ""})
