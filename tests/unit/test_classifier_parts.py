"""Cue lexicon, agency directory, features and linear heads: small hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.agency_directory import AgencyDirectory, mask_sub_unit_names
from classifiers.features import (
    CharNgramIndex,
    SharedVocabulary,
    TextFeaturizer,
    char_tfidf_block,
    hstack_blocks,
    make_segmenter,
    prepare,
)
from classifiers.lexicon import CueLexicon, read_cue_file
from classifiers.linear import MultiClassHead, MultiLabelHead, THRESHOLD_RANGE, tune_threshold
from qingfeng.settings import Settings


@pytest.fixture(scope="module")
def directory() -> AgencyDirectory:
    return AgencyDirectory.from_yaml(Settings().agencies_path)


@pytest.fixture(scope="module")
def segmenter():
    return make_segmenter(Settings().user_dict_path)


def test_negation_in_the_same_clause_marks_a_cue_negated():
    lex = CueLexicon({"pos": ["满意"], "neg": ["不满意"]}, ["不", "没什么", "不太"], 4)
    [m] = lex.find("我不太满意")
    assert (m.span.label, m.negated) == ("pos", True)
    [m] = lex.find("没什么不满意的")  # leftmost-longest: 不满意, negated by 没什么
    assert (m.span.label, m.span.text, m.negated) == ("neg", "不满意", True)
    [m] = lex.find("不说了，很满意")  # the comma ends the negation scope
    assert (m.span.label, m.negated) == ("pos", False)


def test_quoted_praise_is_flagged():
    lex = CueLexicon({"pos": ["高效"]}, [], 4)
    [m] = lex.find("真是“高效”啊")
    assert m.quoted and m.span.text == "高效"
    assert lex.counts("很高效") == {"pos": (1, 0, 0)}


def test_repository_cue_file_is_well_formed():
    doc = read_cue_file(Settings().data_dir / "lexicon" / "cues.yaml")
    assert set(doc["categories"]) == {"low_efficiency", "formalism", "low_competence", "inaction_misconduct",
                                      "abuse_for_profit", "perverting_justice"}


def test_mentions_kinds_sub_units_and_passing(directory):
    text = "我去找了政法委反映，红星派出所民警不给立案，@区法院 管不管"
    found = {(m.span.text, m.span.label, m.kind, m.passing) for m in directory.mentions(text)}
    assert ("政法委", "political_legal_committee", "name", True) in found
    assert ("红星派出所", "public_security", "sub_unit", False) in found
    assert ("民警", "public_security", "role", False) in found
    assert ("区法院", "court", "name", True) in found  # tagged with @
    [unit] = [m for m in directory.mentions(text) if m.kind == "sub_unit"]
    assert unit.sub_unit == "红星派出所" and text[unit.span.start:unit.span.end] == "红星派出所"


def test_going_to_the_accused_organ_is_not_passing(directory):
    [m] = [m for m in directory.mentions("她去红星派出所户籍窗口上户口，跑了三趟") if m.kind == "sub_unit"][:1]
    assert m.passing is False


def test_handler_prefers_the_discipline_team_for_serious_matters(directory):
    assert directory.handler("public_security", serious=False) == "公安分局督察大队"
    assert directory.handler("public_security", serious=True) == "区纪委监委派驻公安分局纪检监察组"
    assert directory.handler("nonexistent", serious=True) is None


def test_sub_unit_place_names_are_masked_with_the_same_length(directory):
    text = "红星派出所和鸡冠山派出所都去了，车管所也去了"
    masked = mask_sub_unit_names(text, directory.mentions(text))
    assert masked == "某某派出所和某某某派出所都去了，车管所也去了"
    assert len(masked) == len(text)


def test_prepare_masks_pii_and_keeps_offsets(segmenter, directory):
    doc = prepare("來電人張女士（電話13912345678）反映紅星派出所", segmenter, directory)
    assert len(doc.feature_text) == len(doc.normalised.text) == len(doc.clean_text)
    assert "1391" not in doc.clean_text and "某某派出所" in doc.feature_text
    assert any(m.sub_unit == "红星派出所" for m in doc.mentions)


def _char_tfidf(texts, vocabulary, idf):
    return hstack_blocks([char_tfidf_block(texts, CharNgramIndex(vocabulary, (1, 3)), idf)], sort_indices=True)


def test_fast_tfidf_matches_sklearn(segmenter):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["派出所民警态度差，态度差", "法院执行款一直不到账", "检察院不起诉，不起诉决定书"]
    sk = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False).fit(texts)
    feature_texts = [prepare(t, segmenter).feature_text for t in texts]
    ours = _char_tfidf(feature_texts, sk.vocabulary_, sk.idf_)
    theirs = sk.transform(feature_texts)
    assert np.allclose(ours.toarray(), theirs.toarray(), atol=1e-6)


def test_featurizer_round_trips_through_arrays(segmenter):
    docs = [prepare(t, segmenter) for t in ["民警让我表示表示", "法官收了对方的钱", "窗口态度差排队", "民警态度差"]]
    feat = TextFeaturizer(word_min_df=1, char_min_df=1).fit(docs)
    again = TextFeaturizer.from_arrays(feat.config(), feat.to_arrays())
    assert np.allclose(feat.transform(docs).toarray(), again.transform(docs).toarray())


def test_threshold_stays_in_range_and_finds_the_gap():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.5, 0.7, 0.9])
    t = tune_threshold(y, p)
    assert THRESHOLD_RANGE[0] <= t <= THRESHOLD_RANGE[1] and 0.3 < t <= 0.5
    assert tune_threshold(np.zeros(4), np.full(4, 0.9)) == 0.5


def _toy_problem():
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = np.column_stack([(X[:, 0] > 0), (X[:, 1] > 0.5)]).astype(int)
    return sp.csr_matrix(X), Y


@pytest.mark.parametrize("estimator", ["svc", "lr", "ridge"])
def test_multilabel_head_learns_and_round_trips(estimator):
    X, Y = _toy_problem()
    head = MultiLabelHead(estimator=estimator, C=1.0).fit(X, Y, ["a", "b"])
    pred = head.predict(head.predict_proba(X))
    assert (pred == Y.astype(bool)).mean() > 0.9
    again = MultiLabelHead.from_arrays(head.config(), ["a", "b"], head.to_arrays("h_"), "h_")
    assert np.allclose(again.predict_proba(X), head.predict_proba(X))


def test_multiclass_head_probabilities_sum_to_one():
    X, Y = _toy_problem()
    y = Y[:, 0] + Y[:, 1]
    head = MultiClassHead(C=1.0).fit(X, y, ["zero", "one", "two"])
    proba = head.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba.argmax(axis=1) == y).mean() > 0.7


def test_vectorised_char_block_matches_sklearn_in_a_batch_and_alone(segmenter):
    """``char_tfidf_block`` over a mixed batch (empty, one char, Latin, rare and lone-surrogate characters)
    gives sklearn's numbers, and a text alone gives the same row as in the batch."""
    texts = ["派出所民警态度差，态度差", "法院执行款一直不到账", "", "a", "检察院不起诉，不起诉决定书 ABC abc",
             "執行款𠀀到账吗？？", "x\ud800y"]
    docs = [prepare(t, segmenter) for t in texts]
    feat = TextFeaturizer(word_min_df=1, char_min_df=1).fit(docs[:-1])
    feature_texts = [d.feature_text for d in docs]
    expected = feat.char_.transform(feature_texts).toarray()
    got = _char_tfidf(feature_texts, feat.char_.vocabulary_, feat.char_.idf_).toarray()
    assert got.shape == expected.shape and np.allclose(got, expected, atol=1e-6)
    one = _char_tfidf(feature_texts[:1], feat.char_.vocabulary_, feat.char_.idf_).toarray()
    assert np.allclose(one[0], expected[0], atol=1e-6)


def test_shared_vocabulary_gives_each_featurizer_its_own_numbers(segmenter, directory):
    """Two featurisers fitted apart (different texts, n-gram ranges, cue pseudo-words) give the same
    matrices through a shared vocabulary as alone, in a batch, for a text alone, and after a refit."""
    lexicon = CueLexicon({"money": ["表示表示", "红包"], "delay": ["拖", "不到账"]}, ["没"], 4)
    texts = ["民警让我表示表示，红包", "法官收了对方的钱", "窗口态度差排队", "执行款一直不到账，拖了两年",
             "检察院不起诉", "民警态度差", "", "a"]
    docs = [prepare(t, segmenter, directory) for t in texts]
    first = TextFeaturizer(word_min_df=1, char_min_df=1, cue_tokens=True).fit(docs[:5], lexicon)
    second = TextFeaturizer(char_ngram=(1, 2), word_min_df=1, char_min_df=1).fit(docs[2:], None)
    alone = [first.transform(docs, lexicon=lexicon).toarray(), second.transform(docs).toarray()]
    SharedVocabulary([first, second])
    assert first.shared_ is not None and second.shared_ is not None
    fresh = [prepare(t, segmenter, directory) for t in texts]  # no memoised terms from the plain path
    shared = [first.transform(fresh, lexicon=lexicon).toarray(), second.transform(fresh).toarray()]
    for a, b in zip(alone, shared):
        assert a.shape == b.shape and np.allclose(a, b, atol=1e-12)
    single = first.transform([prepare(texts[3], segmenter, directory)], lexicon=lexicon).toarray()
    assert np.allclose(single[0], alone[0][3], atol=1e-12)
    first.fit(docs, lexicon)  # a refit detaches the featuriser from the old vocabulary
    assert first.shared_ is None
