"""The curated names' token hashes kept on disk: the same hashes as computed, and
no harm from a damaged, stale or unwritable cache."""

from __future__ import annotations

import pytest

from paperkg.extract import hashcache
from paperkg.extract.gazetteer import token_hashes
from paperkg.extract.tokenizer import pattern_tokenizer

TEXTS = ["GPT-4", "LoRA", "low-rank adaptation", "Llama 2", "U.S.", "don't", "x", "GPT-4",
         "mixture-of-experts", "ünïcödé (name)", "a\u00a0b", ""]


class Counted:
    """token_hashes, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, tokenizer, texts):
        self.calls += 1
        return token_hashes(tokenizer, texts)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(hashcache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_second_process_reads_what_the_first_computed(cache):
    tokenizer, compute = pattern_tokenizer(), Counted()
    first = hashcache.cached_token_hashes(tokenizer, TEXTS, compute)
    second = hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute)
    assert compute.calls == 1
    assert first == second == token_hashes(pattern_tokenizer(), TEXTS)
    assert len(list(cache.glob("token-hashes-*.bin"))) == 1


def test_the_bundled_names_hashes_come_back_the_same(cache, monkeypatch):
    import paperkg.extract.gazetteer as gazetteer
    from paperkg.extract.resources import load_resources

    texts: list[str] = []
    real = hashcache.cached_token_hashes

    def keep(tokenizer, found, compute):
        texts.extend(found)
        return real(tokenizer, found, compute)

    monkeypatch.setattr(gazetteer, "cached_token_hashes", keep)
    gazetteer._make_patterns(load_resources())  # computes and keeps them
    assert len(texts) > 10_000
    compute = Counted()
    cached = hashcache.cached_token_hashes(pattern_tokenizer(), texts, compute)
    assert compute.calls == 0
    assert cached == token_hashes(pattern_tokenizer(), texts)


@pytest.mark.parametrize("damage", ["cut", "extra", "key", "garbage", "empty"])
def test_a_damaged_file_is_made_again(cache, damage):
    compute = Counted()
    expected = hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute)
    (path,) = cache.glob("token-hashes-*.bin")
    data = path.read_bytes()
    damaged = {"cut": data[:-5], "extra": data + b"\0", "key": data.replace(b" 1 ", b" 1 0", 1),
               "garbage": b"\xff" * 100, "empty": b""}
    path.write_bytes(damaged[damage])
    assert hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute) == expected
    assert compute.calls == 2
    assert path.read_bytes() == data  # written again


def test_other_texts_or_rules_get_their_own_file_and_few_are_kept(cache):
    compute = Counted()
    for i in range(hashcache.KEPT + 3):
        hashcache.cached_token_hashes(pattern_tokenizer(), [*TEXTS, f"name{i}"], compute)
    assert compute.calls == hashcache.KEPT + 3
    assert len(list(cache.glob("token-hashes-*.bin"))) == hashcache.KEPT
    assert not list(cache.glob(".*"))  # no temporary file left


def test_a_folder_that_cannot_be_written_means_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(hashcache.CACHE_ENV, str(blocker / "cache"))
    compute = Counted()
    for _ in range(2):
        assert hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute) == \
            token_hashes(pattern_tokenizer(), TEXTS)
    assert compute.calls == 2


def test_an_empty_setting_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(hashcache.CACHE_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert hashcache.cache_dir() is None
    compute = Counted()
    for _ in range(2):
        hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute)
    assert compute.calls == 2 and not list(tmp_path.iterdir())


def test_the_default_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv(hashcache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert hashcache.cache_dir() == tmp_path / "paperkg"


def test_texts_that_join_alike_get_their_own_hashes(cache):
    compute = Counted()
    for texts in (["a\0b", "c"], ["a", "b\0c"]):
        assert hashcache.cached_token_hashes(pattern_tokenizer(), texts, compute) == \
            token_hashes(pattern_tokenizer(), texts)
    assert compute.calls == 2


@pytest.mark.parametrize("count", ["1000000000000", "10" * 16, "-3", "x"])
def test_a_header_with_an_absurd_count_is_made_again(cache, count):
    compute = Counted()
    expected = hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute)
    (path,) = cache.glob("token-hashes-*.bin")
    head, rest = path.read_bytes().split(b"\n", 1)
    words = head.split(b" ")
    path.write_bytes(b" ".join([*words[:-1], count.encode()]) + b"\n" + rest)
    assert hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute) == expected
    assert compute.calls == 2


def test_a_pipe_or_a_folder_in_the_files_place_is_passed_over(cache):
    import os

    compute = Counted()
    hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute)
    (path,) = cache.glob("token-hashes-*.bin")
    path.unlink()
    os.mkfifo(path)  # reading it would wait for a writer for good
    assert hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute) == \
        token_hashes(pattern_tokenizer(), TEXTS)
    path.unlink()
    path.mkdir()
    assert hashcache.cached_token_hashes(pattern_tokenizer(), TEXTS, compute) == \
        token_hashes(pattern_tokenizer(), TEXTS)
    assert compute.calls == 3
