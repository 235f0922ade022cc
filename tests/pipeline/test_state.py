"""The state an update reads back (paperkg.state): what is saved is what is loaded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.layout import STATE_FILE
from paperkg.records import EntityType, Extraction, LineageClaim, Mention, Paper
from paperkg.state import BATCH, load_state, save_state

#: any text a cleaned field may hold: no lone surrogates (paperkg.ingest.text.clean)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
OPTIONAL = st.none() | TEXT


@st.composite
def extractions(draw, key: str) -> Extraction:
    paper = Paper(key, draw(TEXT), draw(TEXT), draw(OPTIONAL), draw(OPTIONAL), draw(OPTIONAL),
                  draw(OPTIONAL), tuple(draw(st.lists(TEXT, max_size=3))), draw(OPTIONAL),
                  tuple(draw(st.lists(TEXT, max_size=3))), draw(TEXT))
    mention = st.builds(
        Mention, st.just(key), TEXT, st.sampled_from(EntityType), TEXT, TEXT,
        st.integers(0, 10**6), st.integers(0, 10**6), TEXT, TEXT,
        st.floats(0, 1, allow_nan=False), st.booleans(), st.lists(TEXT, max_size=3).map(tuple),
        OPTIONAL, OPTIONAL, st.booleans())
    claim = st.builds(LineageClaim, st.just(key), TEXT, TEXT, TEXT, TEXT)
    return Extraction(paper, tuple(draw(st.lists(mention, max_size=4))),
                      tuple(draw(st.lists(claim, max_size=2))), draw(OPTIONAL))


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(0, 5))
def test_a_saved_state_loads_back_equal(tmp_path_factory, data, papers):
    folder = tmp_path_factory.mktemp("state")
    saved = [data.draw(extractions(f"id:{i}")) for i in range(papers)]
    save_state(folder / STATE_FILE, saved, "print")
    assert load_state(folder, "print") == saved


def test_a_state_longer_than_a_batch_keeps_every_paper_in_order(tmp_path):
    saved = [Extraction(Paper(f"id:{i}", f"Title {i}", "Abstract."), (), ())
             for i in range(2 * BATCH + 1)]
    save_state(tmp_path / STATE_FILE, saved, "print")
    assert load_state(tmp_path, "print") == saved


def test_a_state_written_before_words_were_kept_loads_without_them(tmp_path):
    import orjson
    import zstandard

    saved = [Extraction(Paper("id:1", "SPERO", "Abstract."), (), (), "SPERO")]
    save_state(tmp_path / STATE_FILE, saved, "print")
    data = (tmp_path / STATE_FILE).read_bytes()
    lines = zstandard.ZstdDecompressor().decompressobj().decompress(data).splitlines()
    rows = [orjson.loads(line) for line in lines]
    assert rows[1]["words"] == "SPERO"
    del rows[1]["words"]
    (tmp_path / STATE_FILE).write_bytes(zstandard.compress(
        b"".join(orjson.dumps(row) + b"\n" for row in rows)))
    assert load_state(tmp_path, "print") == [Extraction(saved[0].paper, (), (), None)]
