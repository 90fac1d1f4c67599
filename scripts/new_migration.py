"""Autogenerate the next Alembic revision of one domain's branch.

    .venv/bin/python scripts/new_migration.py cases "add case tables"

Each domain (identity/units/fleet share the foundation revision 0001) keeps its own branch
off 0001, labelled with the domain's name; revisions are named <domain>_<nnnn>. Read the
generated file: it holds every difference between the models and the migrated schema, so
remove what belongs to another domain's branch.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from backoffice.migrate import MIGRATIONS_DIR, alembic_config, upgrade


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    domain, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'autogen.sqlite3'}"
        upgrade(url)
        config = alembic_config(url)
        script = ScriptDirectory.from_config(config)
        ours = [r for r in script.walk_revisions() if r.revision.startswith(f"{domain}_")]
        rev_id = f"{domain}_{len(ours) + 1:04d}"
        if ours:
            command.revision(
                config, message=message, autogenerate=True, rev_id=rev_id, head=f"{domain}@head"
            )
        else:
            command.revision(
                config,
                message=message,
                autogenerate=True,
                rev_id=rev_id,
                head="0001",
                branch_label=domain,
                splice=True,
            )
    # Bring the generated file to the project's style, so it passes `ruff check`.
    written = [str(p) for p in (MIGRATIONS_DIR / "versions").glob(f"{rev_id}_*.py")]
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run([ruff, "check", "--fix", "--unsafe-fixes", "-q", *written], check=False)
    subprocess.run([ruff, "format", "-q", *written], check=False)
    print(f"wrote revision {rev_id} under {MIGRATIONS_DIR / 'versions'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
