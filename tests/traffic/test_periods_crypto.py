"""Quota periods (UTC, offset = the day the period starts) and API key encryption at rest."""

from __future__ import annotations

import calendar
import os
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from frontgate.state.keyring import Keyring, create_key_file
from frontgate.traffic.crypto import seal, unseal
from frontgate.traffic.periods import period_bounds, period_days


def ts(y: int, m: int, d: int, h: int = 12) -> float:
    return float(calendar.timegm((y, m, d, h, 0, 0)))


def test_periods() -> None:
    wed = ts(2026, 11, 25)
    assert period_bounds("DAY", 0, wed) == (ts(2026, 11, 25, 0), ts(2026, 11, 26, 0))
    assert period_bounds("WEEK", 0, wed) == (ts(2026, 11, 22, 0), ts(2026, 11, 29, 0))  # Sunday
    assert period_bounds("WEEK", 1, wed) == (ts(2026, 11, 23, 0), ts(2026, 11, 30, 0))  # Monday
    assert period_bounds("MONTH", 0, wed) == (ts(2026, 11, 1, 0), ts(2026, 12, 1, 0))
    assert period_bounds("MONTH", 27, wed) == (ts(2026, 10, 28, 0), ts(2026, 11, 28, 0))
    assert period_bounds("MONTH", 0, ts(2026, 12, 31)) == (ts(2026, 12, 1, 0), ts(2027, 1, 1, 0))
    assert period_days("WEEK", 0, wed) == ["2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]


def test_master_key_file(tmp_path: Path) -> None:
    key = create_key_file(tmp_path / "master.key")
    mode = stat.S_IMODE(os.stat(tmp_path / "master.key").st_mode)
    assert mode == 0o600 and len(key) == 32
    assert create_key_file(tmp_path / "master.key") == key  # read back, not replaced
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]


def test_seal_round_trip_and_binding() -> None:
    keyring = Keyring(os.urandom(32))
    stored = seal(keyring, {"id": "k1", "value": "a" * 30, "enabled": True})
    assert "value" not in stored and "a" * 30 not in str(stored)
    assert unseal(keyring, stored) == {"id": "k1", "value": "a" * 30, "enabled": True}
    with pytest.raises(InvalidTag):  # a ciphertext moved to another key id does not open
        unseal(keyring, {**stored, "id": "k2"})
    with pytest.raises(InvalidTag):  # nor under another store's data key
        unseal(Keyring(os.urandom(32)), stored)
    assert keyring.encrypt("apikey:k1", "x" * 20) != keyring.encrypt("apikey:k1", "x" * 20)
