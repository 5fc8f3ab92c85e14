"""What every PDF we make shares: Typst with the shipped fonts, PDF/A-2a and PDF/UA-1.

Templates live in `typst/` and get their content as JSON in `sys.inputs`, never as markup, so no
text typed by a person can change the layout.
"""

import datetime
import functools
import logging
from pathlib import Path

import typst

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TYPST_ROOT = HERE / "typst"
FONTS_DIR = HERE / "fonts"
# PDF/A-2a (archivable, tagged) and PDF/UA-1 (accessible): Typst checks both while compiling.
PDF_STANDARDS = ["a-2a", "ua-1"]


@functools.cache
def fonts() -> typst.Fonts:
    """The shipped fonts only: the output must not depend on what a machine has installed."""
    return typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONTS_DIR)]
    )


def compile_pdf(template: str, inputs: dict[str, str], timestamp: datetime.datetime) -> bytes:
    """Compile `typst/<template>` with `inputs` as `sys.inputs`; raises typst.TypstError.

    `timestamp` becomes the PDF's creation date, so the same input always gives the same bytes.
    """
    compiler = typst.Compiler(root=str(TYPST_ROOT), font_paths=fonts())
    pdf, warnings = compiler.compile_with_warnings(
        input=str(TYPST_ROOT / template),
        format="pdf",
        sys_inputs=inputs,
        pdf_standards=PDF_STANDARDS,
        timestamp=timestamp.astimezone(datetime.UTC).replace(microsecond=0),
    )
    for warning in warnings:  # e.g. a character the shipped fonts do not have
        logger.warning("%s: %s", template, warning.message)
    return pdf
