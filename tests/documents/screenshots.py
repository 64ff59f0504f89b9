"""The README's pictures of printed documents, from the worst cases the tests check
(`worst_cases`): ``.venv/bin/python -m tests.documents.screenshots`` renders a payment notice,
a route sheet and the first page of the meters report and turns each into a PNG with
poppler's pdftoppm, into resources/screenshots/.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from reports.notice import render_notices
from reports.route_sheet import render_route_sheet_pdf
from reports.tables import render_table_pdf
from tests.documents import worst_cases as w

TARGET = Path(__file__).resolve().parents[2] / "resources" / "screenshots"

# name → (PDF, resolution in dpi: an A5 page a little finer than an A4 one).
DOCUMENTS = {
    "document_notice": (lambda: render_notices([w.NOTICE], w.ACCOUNT)[2], 100),
    "document_route_sheet": (lambda: render_route_sheet_pdf(w.ROUTE_SHEET), 80),
    "document_meters_report": (lambda: render_table_pdf(w.METERS_REPORT), 80),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for name, (render, dpi) in DOCUMENTS.items():
            source = Path(scratch) / f"{name}.pdf"
            source.write_bytes(render())
            subprocess.run(
                ["pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1", "-r", str(dpi),
                 str(source), str(TARGET / name)],
                check=True,
            )  # fmt: skip
            print(TARGET / f"{name}.png")


if __name__ == "__main__":
    main()
