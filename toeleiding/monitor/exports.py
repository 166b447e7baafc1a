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


def cell_value(c: dict):
    """A presented cell as a download holds it: its number, ``<10``/``x``/``.`` when hidden, empty
    when not computable."""
    if c["value"] is not None:
        return c["value"]
    return "" if c["display"] == "-" else c["display"]


_cell = cell_value


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


DECLINE_FIXED = ["region", "peildatum", "provider_id", "provider_name"]


def decline_rows(declines: dict, region_name: str) -> tuple[list[str], list[list]]:
    """The declines per provider (presentation.declines_json): one row per provider and one for the
    region (``provider_id`` = ``total``); a column per reason code, then ``total``."""
    names = [*declines["reasons"], "total"]
    header = DECLINE_FIXED + names
    out = []
    for pid, name, cells in [*((str(p["id"]), p["name"], p["cells"]) for p in declines["providers"]),
                             ("total", region_name, declines["total"]["cells"])]:
        out.append([declines["region"], declines["peildatum"], pid, name] + [_cell(cells[c]) for c in names])
    return header, [[safe(v) for v in row] for row in out]


def declines_csv(declines: dict, region_name: str) -> str:
    header, body = decline_rows(declines, region_name)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    return buf.getvalue()


def to_xlsx(data: MonitorData, presented: dict, declines: dict | None = None) -> bytes:
    """Sheets ``monitor`` (the columns of the CSV), ``flows`` (placements by location municipality)
    and, for the readers of the declines per provider, ``declines`` (the columns of declines.csv)."""
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
    sheets = [ws, ws2]
    if declines is not None:
        header, body = decline_rows(declines, data.region.name)
        ws3 = wb.create_sheet("declines")
        ws3.append(header)
        for row in body:
            ws3.append(xml_safe(row))
        sheets.append(ws3)
    for sheet in sheets:
        sheet.freeze_panes = "E2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
