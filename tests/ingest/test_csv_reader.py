"""The CSV reader."""

import csv
from pathlib import Path

from paperkg.ingest import iter_papers
from paperkg.records import Paper, Skip

FIXTURES = Path(__file__).parent / "fixtures"


def test_csv_with_mixed_case_header_and_multiline_fields():
    one, two, skip, four = iter_papers(FIXTURES / "papers.csv")
    assert isinstance(one, Paper) and isinstance(two, Paper) and isinstance(four, Paper)
    assert one.key == "id:c1" and one.abstract == 'An abstract with a comma, and "quotes".'
    assert one.authors == ("Ada Lovelace", "Alan Turing") and one.categories == ("cs.CL", "cs.LG")
    assert two.key == "doi:10.1000/xyz" and two.abstract == "An abstract over two lines."
    assert skip == Skip(str(FIXTURES / "papers.csv"), 5, "missing abstract")
    assert four.source.endswith("papers.csv:7")
    assert four.key == "doi:10.5555/3295222.3295349"


def test_header_without_required_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,summary\nx,y\n")
    (skip,) = iter_papers(path)
    assert skip.line == 1
    assert skip.reason == (
        "CSV header lacks title and abstract column(s) (columns: 'name', 'summary')"
    )


def test_a_json_lines_file_read_as_csv_is_named_as_json(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text('{"id": "a1", "title": "T", "abstract": "' + "word " * 50 + '"}\n')
    (skip,) = iter_papers(path, "csv")
    assert skip.reason == ("CSV header lacks title and abstract column(s) (the line is JSON; "
                           "read it with --format jsonl or auto)")


def test_semicolons_bom_and_large_fields(tmp_path):
    path = tmp_path / "export.csv"
    notes = "long notes " * 20_000  # 220 kB, beyond the csv module's default field limit
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Title", "ABSTRACT", "Notes"])
        writer.writerow(["Big notes", "An abstract; with a semicolon.", notes])
        writer.writerow(["Big abstract", "word " * 30_000, ""])
    paper, skip = iter_papers(path)
    assert paper.title == "Big notes" and paper.abstract == "An abstract; with a semicolon."
    assert skip.line == 3
    assert skip.reason == "abstract too long (149,999 characters; the limit is 100,000)"


def test_a_row_with_more_fields_than_the_header_is_skipped_with_its_reason(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("id;title;abstract\n"
                    "1;LoRA;We adapt; then we merge.\n"  # an unquoted ";" in the abstract
                    "2;QLoRA;We quantize.;\n"            # a trailing delimiter is fine
                    '3;DoRA;"We decompose; then tune."\n')
    cut, trailing, quoted = iter_papers(path)
    assert isinstance(cut, Skip) and cut.line == 2
    assert cut.reason == "row has 4 fields, the header 3 (a delimiter inside an unquoted field?)"
    assert isinstance(trailing, Paper) and trailing.abstract == "We quantize."
    assert isinstance(quoted, Paper) and quoted.abstract == "We decompose; then tune."


def test_a_quote_that_does_not_close_is_a_skip_naming_the_lines_it_swallowed(tmp_path):
    """Row 3 opens a quote that closes only at row 4's first field: the csv module
    read both as one paper titled 'Paper Two,... Paper Three"', and nothing said so."""
    path = tmp_path / "quotes.csv"
    path.write_text('title,abstract\n"Paper One","An abstract."\n"Paper Two,Its abstract.\n'
                    '"Paper Three","Another."\nPaper Four,"Over\ntwo lines, ""quoted"""\n'
                    'Paper Five,He said "hi".\n')
    items = list(iter_papers(path))
    assert [(type(i).__name__, getattr(i, "title", None) or i.line) for i in items] == [
        ("Paper", "Paper One"), ("Skip", 3), ("Paper", "Paper Four"), ("Paper", "Paper Five")]
    assert items[1].reason == ("invalid CSV: ',' expected after '\"'; lines 3-4 were read as "
                               "one row (a quote opened on line 3 that does not close?)")
    assert items[2].abstract == 'Over two lines, "quoted"'
    assert items[3].abstract == 'He said "hi".'


def test_a_quote_left_open_to_the_end_of_the_file_is_a_skip(tmp_path):
    path = tmp_path / "open.csv"
    path.write_text('title,abstract\nPaper One,An abstract.\n"Paper Two,Its abstract.\n'
                    "Paper Three,Another.\nPaper Four,More.\n")
    one, skip = iter_papers(path)
    assert one.title == "Paper One"
    assert skip == Skip(str(path), 3, "invalid CSV: unexpected end of data; lines 3-5 were "
                        "read as one row (a quote opened on line 3 that does not close?)")


def test_blank_lines_and_a_sep_line_before_the_header(tmp_path):
    """Spreadsheets write "sep=;" first; a blank first line rejected the whole file."""
    path = tmp_path / "excel.csv"
    path.write_text('\n  \nsep=;\ntitle;abstract\nPaper One;An abstract, with a comma.\n')
    (paper,) = iter_papers(path)
    assert (paper.title, paper.abstract) == ("Paper One", "An abstract, with a comma.")
    assert paper.source.endswith("excel.csv:5")
    missing = tmp_path / "missing.csv"
    missing.write_text("\n\nname,summary\nx,y\n")
    (skip,) = iter_papers(missing)
    assert skip.line == 3 and skip.reason.startswith("CSV header lacks title and abstract")


def test_classic_mac_line_endings(tmp_path):
    """Lines that end with a lone CR: the csv module's "universal-newline mode" hint was
    the whole file's skip, and JSON Lines saw one line of "Extra data"."""
    csv_path = tmp_path / "mac.csv"
    csv_path.write_bytes(b'title,abstract\rPaper One,"Two\rlines"\rPaper Two,More.\r')
    one, two = iter_papers(csv_path)
    assert (one.title, one.abstract, two.title) == ("Paper One", "Two lines", "Paper Two")
    assert two.source.endswith("mac.csv:4")
    jsonl = tmp_path / "mac.jsonl"
    jsonl.write_bytes(b'{"id": "a", "title": "A", "abstract": "B"}\r'
                      b'{"id": "b", "title": "C", "abstract": "D"}\r\n{"id": "c"')
    a, b, skip = iter_papers(jsonl)
    assert (a.key, b.key, skip.line) == ("id:a", "id:b", 3)


def test_a_header_naming_a_field_twice_is_a_skip(tmp_path):
    """`title,abstract,title`: the second title column was ignored, so a row with its
    title there was skipped as "missing title"."""
    path = tmp_path / "twice.csv"
    path.write_text("Title,abstract,notes,title\n,An abstract.,x,Paper One\n")
    (skip,) = iter_papers(path)
    assert skip == Skip(str(path), 1, "CSV header names the column 'title' twice "
                                      "(columns 1 and 4)")
    other = tmp_path / "notes.csv"
    other.write_text("title,abstract,notes,notes\nPaper One,An abstract.,x,y\n")
    (paper,) = iter_papers(other)  # a column paperkg does not read may repeat
    assert paper.title == "Paper One"
