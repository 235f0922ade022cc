"""The records' quicker constructors behave as the dataclasses' own would."""

import copy
import dataclasses
import pickle

import pytest

from paperkg import records
from paperkg.records import EntityType, Extraction, Mention, Paper

QUICK = [records.Paper, records.Skip, records.Mention, records.LineageClaim,
         records.Extraction, records.Entity, records.Link, records.Lineage]


def _distinct_values(cls) -> dict:
    """A value for each field of ``cls``, no two alike, none a default."""
    return {f.name: f"value of {f.name}" for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", QUICK, ids=lambda cls: cls.__name__)
def test_each_argument_lands_in_its_own_field(cls):
    values = _distinct_values(cls)
    by_keyword = cls(**values)
    by_position = cls(*values.values())
    for name, value in values.items():
        assert getattr(by_keyword, name) == value
        assert getattr(by_position, name) == value
    assert by_keyword == by_position and hash(by_keyword) == hash(by_position)


@pytest.mark.parametrize("cls", QUICK, ids=lambda cls: cls.__name__)
def test_defaults_and_wrong_arguments(cls):
    required = {f.name: "x" for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    made = cls(**required)
    for f in dataclasses.fields(cls):
        if f.name not in required:
            assert getattr(made, f.name) == f.default
    with pytest.raises(TypeError):
        cls(**required, unknown=1)
    if required:
        with pytest.raises(TypeError):
            cls(*list(required.values())[:-1])


@pytest.mark.parametrize("cls", QUICK, ids=lambda cls: cls.__name__)
def test_still_frozen(cls):
    made = cls(**_distinct_values(cls))
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, name, "changed")
    assert getattr(made, name) == f"value of {name}"


@pytest.mark.parametrize("cls", QUICK, ids=lambda cls: cls.__name__)
def test_pickle_copy_and_replace(cls):
    made = cls(**_distinct_values(cls))
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(made, protocol=protocol))
        assert back == made and type(back) is cls
    assert copy.copy(made) == made and copy.deepcopy(made) == made
    first = dataclasses.fields(cls)[0].name
    changed = dataclasses.replace(made, **{first: "other"})
    assert getattr(changed, first) == "other"
    assert changed != made


def test_a_mention_round_trips_with_real_values():
    paper = Paper("arxiv:1", "QLoRA", "We use LoRA.", authors=("A", "B"))
    mention = Mention(paper.key, "LoRA", EntityType.TECHNIQUE, "named", "abstract", 7, 11,
                      "We use LoRA.", "gazetteer", 0.9, aliases=("Low-Rank Adaptation",),
                      resource_id="LoRA")
    extraction = Extraction(paper, (mention,), words="LoRA QLoRA")
    back = pickle.loads(pickle.dumps(extraction))
    assert back == extraction
    assert back.mentions[0].type is EntityType.TECHNIQUE
    assert back.mentions[0].proposed is False and back.mentions[0].parent is None


def test_a_quicker_init_is_not_made_for_fields_it_would_get_wrong():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Listed:
        items: list = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        name: str
        key: str = dataclasses.field(init=False, default="")

    for cls in (Listed, Derived):
        with pytest.raises(TypeError, match="quicker __init__"):
            records._quick(cls)
