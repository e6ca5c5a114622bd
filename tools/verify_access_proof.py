#!/usr/bin/env python3
"""Verifies an access-log inclusion proof offline; needs no database and no Django.

    python tools/verify_access_proof.py proof.json [--keys portal-keys.json] [--tsa-cert tsa.pem]

The whole check is ``sharing/proof_verifier.py``, which imports nothing of the portal (only
``cryptography`` and ``asn1crypto``): an auditor may copy that one file and run it alone.
"""

import importlib.util
import sys
from pathlib import Path

_VERIFIER = Path(__file__).resolve().parent.parent / "sharing" / "proof_verifier.py"

if __name__ == "__main__":
    # Loaded by path, not as ``sharing.proof_verifier``: the package's __init__ is not needed.
    spec = importlib.util.spec_from_file_location("proof_verifier", _VERIFIER)
    if spec is None or spec.loader is None:
        sys.exit(f"Cannot load {_VERIFIER}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    sys.exit(module.main())
