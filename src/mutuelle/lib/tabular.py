"""Read and write the tables people bring from the field: CSV (UTF-8, UTF-8 with BOM or
Windows-1252 from Excel; comma or semicolon) and XLSX."""

import csv
import io
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook

MAX_BYTES = 50 * 1024 * 1024


class TableError(Exception):
    """A file that cannot be read as a table; `code` is translated by the screen."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # data rows only; row i is line i + 2 of the file
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text: a BOM says UTF-8; valid UTF-8 is UTF-8; otherwise Excel's Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Semicolon (French Excel) or comma (elsewhere), judged on the header line, quotes aside."""
    first = next(iter(text.splitlines()), "")
    in_quotes = False
    counts = {";": 0, ",": 0, "\t": 0}
    for ch in first:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ","


def _clean(rows: list[list[str]]) -> Table:
    rows = [[(c or "").strip() for c in r] for r in rows]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows or not any(rows[0]):
        raise TableError("table.no_header")
    headers = rows[0]
    return Table(headers=headers, rows=rows[1:])


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise TableError("table.bad_csv", detail=str(exc)) from exc
    table = _clean(rows)
    table.encoding, table.delimiter = encoding, delimiter
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 12 as 12.0
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def read_xlsx(data: bytes) -> Table:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError("table.bad_xlsx", detail=type(exc).__name__) from exc
    ws = wb.worksheets[0]
    rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    table = _clean(rows)
    table.encoding = "xlsx"
    return table


def read_table(data: bytes, filename: str) -> Table:
    if len(data) > MAX_BYTES:
        raise TableError("table.too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise TableError("table.empty")
    name = filename.lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return read_xlsx(data)
    if name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        return read_csv(data)
    raise TableError("table.unknown_format", filename=filename)


def write_csv(headers: list[str], rows: list[list[object]], delimiter: str = ";") -> bytes:
    """CSV that Excel opens correctly in French and English: UTF-8 with a BOM."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(headers: list[str], rows: list[list[object]], title: str = "data") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
