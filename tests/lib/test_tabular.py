import pytest

from mutuelle.lib.money import quantize
from mutuelle.lib.phone import normalize_phone
from mutuelle.lib.tabular import TableError, read_table, write_csv, write_xlsx

ROWS = "code;nom\nSN-01;Thiès\nSN-02;Kédougou\n"


@pytest.mark.parametrize(
    "data,encoding",
    [
        (ROWS.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + ROWS.encode("utf-8"), "utf-8-sig"),
        (ROWS.encode("cp1252"), "cp1252"),
    ],
)
def test_it_reads_the_encodings_excel_writes(data, encoding):
    table = read_table(data, "places.csv")
    assert table.encoding == encoding
    assert table.headers == ["code", "nom"]
    assert table.rows == [["SN-01", "Thiès"], ["SN-02", "Kédougou"]]


def test_it_reads_commas_and_quoted_semicolons():
    table = read_table(b'code,name\n1,"Keur Massar; Pikine"\n', "x.csv")
    assert table.delimiter == ","
    assert table.rows == [["1", "Keur Massar; Pikine"]]


def test_it_round_trips_xlsx_and_csv():
    rows = [["SN-01", "Thiès", 12]]
    xlsx = read_table(write_xlsx(["code", "nom", "n"], rows), "t.xlsx")
    assert xlsx.rows == [["SN-01", "Thiès", "12"]]
    csv = read_table(write_csv(["code", "nom", "n"], rows), "t.csv")
    assert csv.encoding == "utf-8-sig" and csv.rows == [["SN-01", "Thiès", "12"]]


@pytest.mark.parametrize(
    "data,name,code",
    [
        (b"", "a.csv", "table.empty"),
        (b"PK\x03\x04garbage", "a.xlsx", "table.bad_xlsx"),
        (b"a,b", "a.pdf", "table.unknown_format"),
    ],
)
def test_it_explains_unreadable_files(data, name, code):
    with pytest.raises(TableError) as exc:
        read_table(data, name)
    assert exc.value.code == code


def test_money_rounds_by_currency_and_refuses_floats():
    from decimal import Decimal

    assert quantize(Decimal("1234.5"), "XOF") == Decimal("1235")
    assert quantize(Decimal("10.005"), "EUR") == Decimal("10.01")
    with pytest.raises(TypeError):
        quantize(1.5, "XOF")


def test_phone_numbers_are_compared_as_digits():
    assert normalize_phone("00221 77 123 45 67") == "+221771234567"
    assert normalize_phone("77-123.45.67") == "771234567"
