"""CSV and XLSX downloads of the monitor, with stable column names (README: data dictionary).

One row per municipality and one for the region (``municipality_code`` = ``total``). A cell holds
its number, ``<10`` or ``x`` when suppressed, or is empty when it cannot be computed (no target
group, no figure). Text that a spreadsheet would read as a formula is prefixed with a quote.
"""
from __future__ import annotations

import csv
import io

from .presentation import cell_names
from .util import MonitorData

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FIXED_COLUMNS = ["region", "peildatum", "municipality_code", "municipality_name"]


def safe(value):
    """Neutralise formula injection: a text starting with = + - @ tab or CR becomes '-prefixed."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def columns(data: MonitorData) -> list[str]:
    return FIXED_COLUMNS + cell_names(data.reasons)


def _cell(c: dict):
    if c["value"] is not None:
        return c["value"]
    return "" if c["display"] == "-" else c["display"]


def rows(data: MonitorData, presented: dict) -> list[list]:
    names = cell_names(data.reasons)
    out = []
    for code, name in [*data.municipalities, ("total", data.region.name)]:
        cells = presented["rows"][code]
        out.append([data.region.slug, data.peildatum.isoformat(), code, name] + [_cell(cells[n]) for n in names])
    return [[safe(v) for v in row] for row in out]


def flow_rows(data: MonitorData, presented: dict) -> tuple[list[str], list[list]]:
    codes = [code for code, _ in data.municipalities]
    header = FIXED_COLUMNS + [f"placed_in_{code}" for code in codes] + ["placed"]
    out = []
    for code, name in [*data.municipalities, ("total", data.region.name)]:
        cells = presented["flows"][code]
        out.append([data.region.slug, data.peildatum.isoformat(), code, name]
                   + [_cell(cells[c]) for c in codes] + [_cell(presented["rows"][code]["placed"])])
    return header, [[safe(v) for v in row] for row in out]


def to_csv(data: MonitorData, presented: dict) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns(data))
    writer.writerows(rows(data, presented))
    return buf.getvalue()


def to_xlsx(data: MonitorData, presented: dict) -> bytes:
    """Two sheets: ``monitor`` (the columns of the CSV) and ``flows`` (placements by location municipality)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def xml_safe(row: list) -> list:
        # The file is XML: openpyxl refuses a control character in a name (IllegalCharacterError,
        # a 500 for the whole download) where the CSV can carry it; leave it out instead, and
        # guard formulas again, since "\x07=…" only starts like one once the \x07 is gone.
        return [safe(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v for v in row]

    wb = Workbook()
    ws = wb.active
    ws.title = "monitor"
    ws.append(columns(data))
    for row in rows(data, presented):
        ws.append(xml_safe(row))
    header, flows = flow_rows(data, presented)
    ws2 = wb.create_sheet("flows")
    ws2.append(header)
    for row in flows:
        ws2.append(xml_safe(row))
    for sheet in (ws, ws2):
        sheet.freeze_panes = "E2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
