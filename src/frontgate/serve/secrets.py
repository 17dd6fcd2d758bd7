"""The node's keyring at start-up (``frontgate serve``) and ``frontgate rotate-key``.

Start-up, before any listener opens: resolve this node's master key, unwrap the store's data
key (a new store gets one, and a key file if none is configured), encrypt what an older version
stored in clear, and refuse to start (``KeyringError``) when the key does not fit the store."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from frontgate.config import Settings
from frontgate.definition.secret_fields import encrypt_stored_secrets
from frontgate.state.keyring import (
    KEY_FILE,
    Keyring,
    KeyringError,
    create_key_file,
    key_id,
    open_keyring,
    resolve_master_key,
    rewrap,
)
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.keys")


def _shared(settings: Settings) -> bool:
    return bool(settings.state) and str(settings.state).startswith(("postgresql:", "postgres:"))


async def prepare_keyring(settings: Settings, store: ConfigStore) -> Keyring:
    source = resolve_master_key(settings.master_key, settings.master_key_file, settings.data_path)
    opened = await open_keyring(store, source, create=True)
    if opened.created_file is not None and _shared(settings):
        print(
            f"frontgate: created the master key {opened.created_file} (key id {opened.key_id}) "
            "for this PostgreSQL state store. Every other node sharing the store needs the same "
            "key: copy this file to each of them and pass --master-key-file PATH, or set "
            "FRONTGATE_MASTER_KEY to its contents. Keep a copy somewhere safe: without it the "
            "stored secrets cannot be decrypted.",
            flush=True,
        )
    # Values an older version encrypted with a node's own master.key ("v1:" API keys): try this
    # node's key, and its old data-directory key if it now uses another one.
    legacy = [opened.master]
    local = settings.data_path / KEY_FILE
    if local.exists():
        try:
            old = resolve_master_key(None, str(local), settings.data_path).key
        except KeyringError:
            old = None
        if old is not None and old != opened.master:
            legacy.append(old)
    result = await encrypt_stored_secrets(store, opened.keyring, legacy)
    if result.encrypted:
        counts = ", ".join(f"{kind}: {n}" for kind, n in sorted(result.encrypted.items()))
        log.warning("encrypted secrets an older version stored in clear (%s)", counts)
    if result.undecryptable:
        log.warning(
            "%d secret(s) cannot be decrypted here (%s): API key values an older version "
            "encrypted with another node's own master.key; start that node once with the shared "
            "master key (keeping its old %s in its data directory) to convert them; until then "
            "those keys are refused",
            len(result.undecryptable),
            ", ".join(result.undecryptable[:10]),
            KEY_FILE,
        )
    return opened.keyring


def add_rotate_command(sub: Any) -> None:
    p = sub.add_parser(
        "rotate-key",
        help="re-wrap the state store's data key with a new master key",
        description=(
            "Wrap the state store's data key with a new master key (created if the file does "
            "not exist). Nothing else is re-encrypted; running nodes keep serving. Give every "
            "node the new key before it next starts."
        ),
    )
    p.add_argument("--config", help="YAML config file (as for serve)")
    p.add_argument("--data-dir", help="state directory (default ./frontgate-data)")
    p.add_argument("--state", help="sqlite (default), sqlite:///PATH or postgresql://…")
    p.add_argument("--master-key-file", help="the current master key (default as for serve)")
    p.add_argument("--new-key-file", required=True, help="the new master key (created if absent)")
    p.set_defaults(func=cmd_rotate_key)


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from frontgate.config import load_settings

    try:
        settings = load_settings(
            args.config,
            {
                "data_dir": args.data_dir,
                "state": args.state,
                "master_key_file": args.master_key_file,
            },
        )
        old, new, path = asyncio.run(_rotate(settings, Path(args.new_key_file)))
    except (KeyringError, ValueError, OSError) as exc:
        print(f"frontgate: {exc}", file=sys.stderr)
        return 2
    print(
        f"frontgate: the data key is now wrapped by key id {new} ({path}), no longer by {old}. "
        "Give every node this key (--master-key-file or FRONTGATE_MASTER_KEY) before it next "
        "starts; running nodes keep serving. Then destroy the old key.",
        flush=True,
    )
    return 0


async def _rotate(settings: Settings, new_file: Path) -> tuple[str, str, Path]:
    from frontgate.state.open import open_store

    source = resolve_master_key(settings.master_key, settings.master_key_file, settings.data_path)
    if source.key is None:
        raise KeyringError(f"no current master key: {source.where} does not exist")
    path = new_file.expanduser().resolve()
    new = create_key_file(path)
    if new == source.key:
        raise KeyringError(f"{path} holds the current master key: give a new file")
    store = open_store(settings.state, settings.data_path)
    await store.open()
    try:
        await rewrap(store, source.key, new, str(path))
    finally:
        await store.close()
    return key_id(source.key), key_id(new), path
