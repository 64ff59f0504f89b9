"""A font for Chinese text in reportlab documents.

Receipts must print the same on any counter PC, so a TrueType CJK font found on the system is
embedded (subset) in the PDF: WenQuanYi Micro Hei on Debian/Ubuntu, SimHei, Microsoft YaHei
or SimSun on Windows. reportlab reads only TrueType outlines: the OpenType/CFF files (Noto
Sans CJK, Source Han, most `.otf`) fail with "postscript outlines are not supported", so they
are tried like any candidate and skipped when reportlab refuses them.

With no usable file the built-in CID font STSong-Light is used: it needs no file and is not
embedded, so the viewer or printer substitutes its own Song face. That still shows Chinese
everywhere a PDF reader has CJK support, which is why it is a fallback and not an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FALLBACK_CID_FONT = "STSong-Light"

# Families asked of fontconfig, best first: all TrueType and with full GB2312 coverage.
_FONTCONFIG_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "AR PL UMing CN")
_LINUX_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_WINDOWS_FILES = ("simhei.ttf", "msyh.ttc", "msyh.ttf", "simsun.ttc", "simkai.ttf")
# A font must have these to be any use on a receipt (fontconfig may answer a Latin font).
_PROBE_TEXT = "收据户号名人民币壹贰叁元角分整作废重打"


@dataclass(frozen=True)
class CjkFont:
    """The registered font to draw Chinese with: `name` is what `setFont` takes.

    `path` is the embedded file, None for the CID fallback (`embedded` False).
    """

    name: str
    path: Path | None

    @property
    def embedded(self) -> bool:
        return self.path is not None


_lock = threading.Lock()
_chosen: dict[tuple[str, ...] | None, CjkFont] = {}


def default_candidates() -> list[Path]:
    """Font files to try, best first: fontconfig's answers, then the usual install paths."""
    found: list[Path] = []
    fc_match = shutil.which("fc-match")
    if fc_match:
        for family in _FONTCONFIG_FAMILIES:
            try:
                result = subprocess.run(
                    [fc_match, "-f", "%{file}", family],
                    capture_output=True,
                    text=True,
                    timeout=5,
                    check=False,
                )
            except (OSError, subprocess.SubprocessError):
                break
            if result.returncode == 0 and result.stdout.strip():
                found.append(Path(result.stdout.strip()))
    found += [Path(p) for p in _LINUX_FILES]
    windows_fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    found += [windows_fonts / name for name in _WINDOWS_FILES]
    # fontconfig answers every family with its nearest match, so duplicates are common.
    return list(dict.fromkeys(found))


def cjk_font(candidates: Sequence[str | Path] | None = None) -> CjkFont:
    """The first usable TrueType CJK font among `candidates`, registered with reportlab.

    `candidates` defaults to `default_candidates()`; an empty sequence means "no file", and
    gives the STSong-Light fallback. The answer is cached per candidate list, so a receipt
    does not pay for the file lookup and parse every time.
    """
    # The default list is keyed as None: building it runs fc-match, which costs more than
    # drawing a whole receipt, so it must not happen on every call.
    key = None if candidates is None else tuple(str(p) for p in candidates)
    with _lock:
        cached = _chosen.get(key)
        if cached is not None:
            return cached
        paths = default_candidates() if candidates is None else [Path(p) for p in candidates]
        font = _first_usable(paths) or _register_fallback()
        _chosen[key] = font
        return font


def _first_usable(paths: Iterable[Path]) -> CjkFont | None:
    for path in paths:
        if not path.is_file() or path.suffix.lower() not in {".ttf", ".ttc"}:
            continue
        font = _register_truetype(path)
        if font is not None:
            return font
    return None


def _register_truetype(path: Path) -> CjkFont | None:
    # The name is derived from the file so two different files never clash in reportlab's
    # process-wide registry and registering the same one again is a no-op.
    name = f"MD-CJK-{path.stem}"
    if name in pdfmetrics.getRegisteredFontNames():
        return CjkFont(name, path)
    try:
        # subfontIndex picks the first face of a .ttc collection (the regular weight for
        # wqy-microhei, msyh and simsun); it is ignored for a plain .ttf.
        ttf = TTFont(name, str(path), subfontIndex=0)
    except (TTFError, OSError, ValueError, KeyError, IndexError):
        return None  # CFF outlines, a damaged file, an unreadable one: try the next
    glyphs = ttf.face.charToGlyph
    if not all(ord(char) in glyphs for char in _PROBE_TEXT):
        return None
    pdfmetrics.registerFont(ttf)
    return CjkFont(name, path)


def _register_fallback() -> CjkFont:
    if FALLBACK_CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return CjkFont(FALLBACK_CID_FONT, None)
