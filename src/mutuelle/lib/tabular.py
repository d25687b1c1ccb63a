"""Read and write the tables people bring from the field: CSV (UTF-8, UTF-8 with BOM or
Windows-1252 from Excel; comma or semicolon) and XLSX."""

import codecs
import csv
import io
from collections.abc import Iterator
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


@dataclass
class TableStream:
    """A table read row by row: the whole file is never decoded or split at once."""

    headers: list[str]
    rows: Iterator[list[str]]  # data rows only, cells stripped; row i is line i + 2
    encoding: str = ""
    delimiter: str = ""
    estimated_rows: int = 0  # for a progress bar: line breaks (CSV) or the sheet's dimension


def _encoding(data: bytes) -> str:
    """As `decode` decides, without holding a decoded copy of the whole file."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    step = 1 << 20
    try:
        for start in range(0, len(data), step):
            decoder.decode(view[start : start + step], final=start + step >= len(data))
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")  # rare files (Excel exports): a full decode is acceptable
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _csv_rows(reader) -> Iterator[list[str]]:
    try:
        for row in reader:
            yield [c.strip() for c in row]
    except csv.Error as exc:
        raise TableError("table.bad_csv", detail=str(exc)) from exc


def _xlsx_rows(rows) -> Iterator[list[str]]:
    for row in rows:
        yield [_cell(c).strip() for c in row]


def iter_table(data: bytes, filename: str) -> TableStream:
    """Like read_table, but rows come one at a time (large registers)."""
    if len(data) > MAX_BYTES:
        raise TableError("table.too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise TableError("table.empty")
    name = filename.lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TableError("table.bad_xlsx", detail=type(exc).__name__) from exc
        ws = wb.worksheets[0]
        rows = _xlsx_rows(ws.iter_rows(values_only=True))
        estimate, encoding, delimiter = max(0, (ws.max_row or 1) - 1), "xlsx", ""
    elif name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        encoding = _encoding(data)
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        first = text.readline()
        delimiter = sniff_delimiter(first)
        text.seek(0)
        rows = _csv_rows(csv.reader(text, delimiter=delimiter))
        estimate = max(0, data.count(b"\n") - 1)
    else:
        raise TableError("table.unknown_format", filename=filename)
    headers = next(rows, [])
    if not any(headers):
        raise TableError("table.no_header")
    return TableStream(headers, rows, encoding, delimiter, estimate)


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
