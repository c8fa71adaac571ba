"""Normalisation, PII spans and segmentation: golden cases with offsets."""

from __future__ import annotations

import pytest

from classifiers.normalise import normalise
from classifiers.pii import find_pii, redact
from classifiers.segment import Segmenter, read_user_dict
from qingfeng.settings import Settings


def test_traditional_fullwidth_and_punctuation_runs_are_folded():
    n = normalise("派出所的警察態度太差了！！！ＡＢＣ１２３   真的")
    assert n.text == "派出所的警察态度太差了!abc123 真的"
    assert len(n.offsets) == len(n.text)


def test_offsets_map_back_to_the_original_text():
    original = "  執行款　一直不到賬！！"
    n = normalise(original)
    start = n.text.index("执行款")
    s, e = n.original_span(start, start + 3)
    assert original[s:e] == "執行款"


@pytest.mark.parametrize(
    ("text", "label", "value"),
    [
        ("来电人张女士（电话13912345678）反映", "phone", "13912345678"),
        ("手机号139-1234-5678，请回电", "phone", "139-1234-5678"),
        ("办公电话0467-2345678", "landline", "0467-2345678"),
        ("身份证号230302198805061234，户口在南岗镇", "id_number", "230302198805061234"),
        ("卡号6222021234567890123", "bank_card", "6222021234567890123"),
        ("邮箱 wang.jg@example.com", "email", "wang.jg@example.com"),
        ("车牌黑G·12345被扣", "plate", "黑G·12345"),
        ("举报人：王建国 2018年5月", "name", "王建国"),
        ("来电人李红梅反映派出所不作为", "name", "李红梅"),
        ("署名：赵德胜", "name", "赵德胜"),
    ],
)
def test_pii_spans(text, label, value):
    spans = [s for s in find_pii(text) if s.label == label]
    assert [s.text for s in spans] == [value]
    assert text[spans[0].start:spans[0].end] == value


def test_redaction_keeps_length_and_removes_every_digit_of_a_phone():
    text = "来电人张女士（电话13912345678）反映红星派出所民警态度差"
    r = redact(text)
    assert len(r.text) == len(text)
    assert "13912345678" not in r.text and "张女士" not in r.text
    assert "红星派出所民警态度差" in r.text


def test_case_numbers_and_amounts_are_not_pii():
    text = "(2017)黑0306执456号案件，执行款38000元至今未到账"
    assert find_pii(text) == []


@pytest.fixture(scope="module")
def segmenter():
    return Segmenter(Settings().user_dict_path)


def test_domain_terms_segment_whole_with_offsets(segmenter):
    text = "红星派出所的辅警说不给立案，执行法官也不接电话"
    tokens = segmenter.tokens(text)
    words = [w for w, _, _ in tokens]
    for term in ("红星派出所", "辅警", "立案", "执行法官"):
        assert term in words
    for w, s, e in tokens:
        assert text[s:e] == w


def _jieba_tokens(tokenizer, text: str) -> list[tuple[str, int, int]]:
    out, start = [], 0
    for word in tokenizer.cut(text, HMM=False):
        if not word.isspace():
            out.append((word, start, start + len(word)))
        start += len(word)
    return out


def test_fast_route_gives_jiebas_own_segmentation_on_the_whole_corpus():
    from classifiers.corpus import read_complaints

    settings = Settings()
    fast = Segmenter(settings.user_dict_path, hmm=False)
    texts = [c.text for split in ("train", "test") for c in read_complaints(settings.corpus_dir, split)]
    texts += ["ABC 123 abc１２ 測試  \r\n 中文English混合，x y z a1b2 3.14% #tag & ok_yes -", "", "   ", "\t一\n二",
              "执行款38000元，案号(2017)黑0306执456号", "2018年6月12日下午3点"]
    assert len(texts) > 1000
    differing = [t for t in texts if fast.tokens(t) != _jieba_tokens(fast.tokenizer, t)]
    assert differing == []


def test_segmenter_does_not_touch_the_default_jieba_tokenizer(segmenter):
    import jieba

    segmenter.tokens("执行法官")
    assert "执行法官" not in jieba.dt.FREQ or jieba.dt.FREQ.get("执行法官") != 1500


def test_user_dictionary_parses():
    entries = read_user_dict(Settings().user_dict_path)
    assert len(entries) > 100
    assert all(freq and freq > 0 for _, freq, _ in entries)
