"""SimHash fingerprints, bands and the near-duplicate confirm (pure functions)."""

from __future__ import annotations

import json

import pytest

from classifiers.pii import redact
from pipelines.dedupe import (
    Candidate,
    DedupeConfig,
    bands,
    batch_fingerprints,
    best_match,
    fingerprint,
    hamming,
    jaccard,
    key_text,
    pack_codes,
    shingle_set,
    shingle_sets,
    simhashes,
    to_signed,
    to_unsigned,
)
from qingfeng.settings import Settings

CALL = redact("来电人李建华（电话13836457890）反映：南岗派出所办理他家门市房被砸一案，去年十月报的案，到现在八个月了"
              "没有任何进展，他多次去所里问，值班民警说办案民警不在，打办案民警电话也不接，要求尽快给个说法。").text
POST = redact("报案八个月没进展\n南岗派出所办案民警办理我家门市房被砸一案，去年十月报的案，到现在八个月了没有任何进展！！"
              "我多次去所里问，值班民警说办案民警不在，打办案民警电话也不接。请求尽快给个说法。").text
OTHER = "区法院执行局为了八万元的欠款，把我们公司三百多万的账户全部冻结了，工资都发不出来"


def test_key_text_folds_width_script_punctuation_masks_and_framing():
    assert key_text("來電人***反映：ＡＢＣ派出所，民警！！") == "abc派出所民警"


def test_batch_simhash_equals_one_by_one():
    texts = [CALL, POST, OTHER, "", "测", "测试"]
    batch = simhashes(texts)
    for text, (h, n) in zip(texts, batch):
        fp = fingerprint(text)
        assert (fp.simhash, len(fp.codes)) == (h, n)
    assert batch[3] == (0, 0)


def test_batch_shingle_sets_equal_one_by_one():
    texts = [CALL, "", POST, "测", OTHER, "测试", CALL]
    sets = shingle_sets(texts)
    assert sets == [shingle_set(t) for t in texts]
    assert batch_fingerprints(texts) == (simhashes(texts), sets)
    assert shingle_sets([]) == [] and batch_fingerprints([]) == ([], [])


def test_jaccard_of_sets_and_of_iterables_agree():
    a, b = shingle_set(CALL), shingle_set(POST)
    assert jaccard(a, b) == jaccard(list(a), list(b)) == len(a & b) / len(a | b)
    assert jaccard(frozenset(), set()) == 1.0 and jaccard(a, frozenset()) == 0.0


def test_same_grievance_by_phone_and_online_is_near_and_shares_a_band():
    a, b = fingerprint(CALL), fingerprint(POST)
    assert hamming(a.simhash, b.simhash) <= DedupeConfig().max_hamming
    assert any(x == y for x, y in zip(a.bands, b.bands))
    assert jaccard(a.codes, b.codes) >= 0.8


def test_unrelated_complaints_are_far_apart():
    texts = [json.loads(line)["text"] for line in
             (Settings().corpus_dir / "complaints" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:60]]
    fps = [fingerprint(t) for t in texts]
    cfg = DedupeConfig()
    for i in range(len(fps)):
        for j in range(i + 1, len(fps)):
            if hamming(fps[i].simhash, fps[j].simhash) <= cfg.max_hamming:
                assert jaccard(fps[i].codes, fps[j].codes) < cfg.min_jaccard


def test_best_match_needs_both_hamming_and_jaccard():
    cfg = DedupeConfig()
    call, post, other = fingerprint(CALL), fingerprint(POST), fingerprint(OTHER)
    candidates = [Candidate(1, 10, other.simhash, other.codes), Candidate(2, 20, call.simhash, call.codes)]
    assert best_match(post, candidates, cfg).case_id == 20
    assert best_match(post, candidates[:1], cfg) is None
    far = Candidate(3, 30, call.simhash ^ ((1 << 64) - 1), call.codes)  # same shingles, opposite fingerprint
    assert best_match(post, [far], cfg) is None


def test_short_texts_never_link():
    a = fingerprint("测试测试")
    assert best_match(a, [Candidate(1, 1, a.simhash, a.codes)], DedupeConfig()) is None


@pytest.mark.parametrize("h", [0, 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1])
def test_signed_storage_round_trip(h):
    assert -(1 << 63) <= to_signed(h) < (1 << 63)
    assert to_unsigned(to_signed(h)) == h


def test_bands_are_four_16_bit_slices():
    assert bands(0x0001_0002_0003_0004) == (4, 3, 2, 1)


def test_packed_shingle_sets_score_like_frozensets_and_the_memory_stays_bounded():
    from pipelines.linking import ShingleMemory

    a, b = shingle_set(CALL), shingle_set(POST)
    assert jaccard(a, pack_codes(b)) == jaccard(a, b) and jaccard(pack_codes(a), b) == jaccard(a, b)
    memory = ShingleMemory(shingle=2, max_items=2)
    memory.add(["h1", "h2"], [a, b])
    assert memory.get("h1") == pack_codes(a)  # h1 is now the most recently used
    memory.add(["h3"], [a])
    assert len(memory) == 2 and memory.get("h2") is None and memory.get("h1") is not None


def test_bands_are_the_four_16_bit_slices():
    h = 0x0123_4567_89AB_CDEF
    assert bands(h) == (0xCDEF, 0x89AB, 0x4567, 0x0123)
