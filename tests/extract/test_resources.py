"""Loading the curated resources: once per build, again when a file changes."""

from __future__ import annotations

import logging

from paperkg.extract.resources import load_resources


def test_the_same_folders_give_the_same_resources_until_a_file_changes(tmp_path):
    """A build loaded them six times: a 100k-entry entities.jsonl took 40 s."""
    folder = tmp_path / "res"
    folder.mkdir()
    entities = folder / "entities.jsonl"
    entities.write_text('{"name": "ZorbNet", "type": "Model"}\n')
    first = load_resources([folder])
    assert load_resources([folder]) is first and first.lookup("ZorbNet") is not None
    entities.write_text('{"name": "ZorbNet", "type": "Model"}\n'
                        '{"name": "BlipNet", "type": "Model"}\n')
    again = load_resources([folder])
    assert again is not first and again.lookup("BlipNet") is not None
    assert load_resources() is not again and load_resources().lookup("BlipNet") is None


def test_a_user_stoplist_naming_a_curated_entity_says_it_does_not_remove_it(tmp_path, caplog):
    folder = tmp_path / "res"
    folder.mkdir()
    (folder / "stoplist.jsonl").write_text('{"term": "GPT-4"}\n{"term": "widget"}\n')
    with caplog.at_level(logging.WARNING, logger="paperkg.extract.resources"):
        resources = load_resources([folder])
        load_resources([folder])  # loaded once: said once
    assert [r.getMessage() for r in caplog.records] == [
        f"{folder / 'stoplist.jsonl'}: 'gpt4' is a name of the curated entity 'GPT-4', which "
        "the stoplist does not remove"]
    assert resources.lookup("GPT-4") is not None and resources.is_stopped("widget")
