"""The state an update reads back (paperkg.state): what is saved is what is loaded."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.layout import STATE_FILE
from paperkg.records import EntityType, Extraction, LineageClaim, Mention, Paper
from paperkg.state import (
    FRAME_PAPERS,
    append_state,
    load_state,
    read_extractions,
    save_state,
    state_end,
)

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


def test_a_state_of_several_frames_keeps_every_paper_in_order(tmp_path):
    saved = [Extraction(Paper(f"id:{i}", f"Title {i}", "Abstract."), (), ())
             for i in range(2 * FRAME_PAPERS + 1)]
    save_state(tmp_path / STATE_FILE, saved, "print")
    assert load_state(tmp_path, "print") == saved


def test_a_state_written_before_words_were_kept_loads_without_them(tmp_path):
    import orjson
    import zstandard

    saved = [Extraction(Paper("id:1", "SPERO", "Abstract."), (), (), "SPERO")]
    save_state(tmp_path / STATE_FILE, saved, "print")
    data = (tmp_path / STATE_FILE).read_bytes()
    lines = zstandard.ZstdDecompressor().stream_reader(
        io.BytesIO(data), read_across_frames=True).read().splitlines()
    rows = [orjson.loads(line) for line in lines]
    assert rows[1]["words"] == "SPERO"
    del rows[1]["words"]
    (tmp_path / STATE_FILE).write_bytes(zstandard.compress(
        b"".join(orjson.dumps(row) + b"\n" for row in rows)))
    assert load_state(tmp_path, "print") == [Extraction(saved[0].paper, (), (), None)]


@settings(max_examples=40, deadline=None)
@given(st.data(), st.integers(1, 5), st.integers(0, 3))
def test_an_appended_state_loads_as_the_state_saved_whole(tmp_path_factory, data, papers, new):
    """An update keeps the earlier file up to its count and adds its lines: new papers,
    and earlier papers whose extraction changed, which take their earlier place."""
    earlier, later = tmp_path_factory.mktemp("earlier"), tmp_path_factory.mktemp("later")
    saved = [data.draw(extractions(f"id:{i}")) for i in range(papers)]
    save_state(earlier / STATE_FILE, saved, "print")
    end = state_end(earlier)
    assert end is not None
    changed = sorted(data.draw(st.sets(st.integers(0, papers - 1))))
    now = list(saved)
    for i in changed:
        now[i] = data.draw(extractions(f"id:{i}"))
    now += [data.draw(extractions(f"id:{papers + i}")) for i in range(new)]
    append_state(later / STATE_FILE, earlier / STATE_FILE, end,
                 [now[i] for i in changed] + now[papers:], len(now))
    assert load_state(later, "print") == now
    assert (later / STATE_FILE).read_bytes()[:end] == (earlier / STATE_FILE).read_bytes()[:end]
    assert state_end(later) > end or not changed and not new


def test_a_state_without_its_end_frame_has_no_end_and_is_written_whole(tmp_path):
    """A state in one stream (an older format), or one cut short, gives no place to add
    lines: an update writes the whole state."""
    import zstandard

    saved = [Extraction(Paper("id:1", "Title", "Abstract."), (), ())]
    save_state(tmp_path / STATE_FILE, saved, "print")
    data = (tmp_path / STATE_FILE).read_bytes()
    lines = zstandard.ZstdDecompressor().stream_reader(
        io.BytesIO(data), read_across_frames=True).read()
    for damaged in (zstandard.compress(lines), data[:-1], data[:-16] + bytes(16)):
        (tmp_path / STATE_FILE).write_bytes(damaged)
        assert state_end(tmp_path) is None


def test_a_few_papers_are_read_from_their_frames_of_a_saved_and_an_appended_state(tmp_path):
    """An update reads the lines of the few earlier papers it changes (their places
    kept at writing), from the frames that hold them, saved whole or appended."""
    earlier, later = tmp_path / "earlier", tmp_path / "later"
    earlier.mkdir(), later.mkdir()
    saved = [Extraction(Paper(f"id:{i}", f"Title {i}", "Abstract é."),
                        (Mention(f"id:{i}", f"Name{i}", EntityType.MODEL, "named", "title", 0,
                                 5, "S.", "proposal", 0.9),), (), f"Name{i}")
             for i in range(2 * FRAME_PAPERS + 7)]
    places: list = []
    save_state(earlier / STATE_FILE, saved, "print", places)
    assert len(places) == len(saved) and len({frame for frame, _, _ in places}) == 3
    wanted = {saved[i].paper.key: places[i] for i in (0, 5, FRAME_PAPERS, len(saved) - 1)}
    assert read_extractions(earlier / STATE_FILE, wanted) == {
        key: saved[int(key[3:])] for key in wanted}
    # an update's lines: a changed earlier paper and a new one, in a frame of their own
    changed = [Extraction(Paper("id:5", "Title 5", "Abstract é."), (), (), None),
               Extraction(Paper("id:new", "New", "Abstract."), (), (), "New")]
    added: list = []
    append_state(later / STATE_FILE, earlier / STATE_FILE, state_end(earlier), changed,
                 len(saved) + 1, added)
    now = {**wanted, "id:5": added[0], "id:new": added[1]}
    read = read_extractions(later / STATE_FILE, now)
    assert read["id:5"] == changed[0] and read["id:new"] == changed[1]
    assert read["id:0"] == saved[0] and read[saved[-1].paper.key] == saved[-1]
    assert load_state(later, "print") == [*saved[:5], changed[0], *saved[6:], changed[1]]
