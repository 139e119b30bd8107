"""`ollm` in a real pseudo-terminal: asyncio only (see tests/asyncio_only.py)."""

from tests.asyncio_only import anyio_backend

__all__ = ("anyio_backend",)
