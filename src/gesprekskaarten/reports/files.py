"""Writing output files so that a failure never leaves half a file behind."""

import os
import secrets
from pathlib import Path


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write `data` to a temporary file in the same folder, then rename it to `path`.

    Readers see the old file or the complete new one, never a part. Raises OSError (folder
    missing, no permission, `path` is a folder ...) and then leaves no temporary file behind.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never follow or reuse an existing file; mode 0o666 lets the umask decide.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
