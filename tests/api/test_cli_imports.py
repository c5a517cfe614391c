"""Every `sportel` command imports the command line's module; the audit commands' database and key
handling is imported only when an audit command runs."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
import api.cli
print(sorted(m for m in ("storage.audit_store", "storage.audit_chain", "alembic") if m in sys.modules))
"""


def test_the_command_line_loads_without_the_audit_store_or_alembic() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_audit_commands_are_still_listed() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['sportel', 'audit', '--help']; "
                           "from api.cli import main; main()"], capture_output=True, text=True, check=True)
    assert all(name in done.stdout for name in ("checkpoint", "verify", "export"))
