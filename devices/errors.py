"""The one error a corrupt, truncated or foreign frame raises.

Every decoder in `devices` turns whatever is wrong with the bytes it was given into a
`FrameError`; nothing else escapes (the hypothesis tests hold them to that). It subclasses
`ValueError` because a bad frame is bad input, so callers that already catch `ValueError`
for bad input keep working.
"""

from __future__ import annotations


class FrameError(ValueError):
    """A frame that cannot be decoded; the message (Chinese) says what is wrong and where.

    `offset` is the byte offset in the buffer handed to the decoder (wake-up bytes
    included) when the fault has one place, else None.
    """

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        self.reason = message
        self.offset = offset
        where = f"（第 {offset} 字节）" if offset is not None else ""
        super().__init__(f"{message}{where}")
