"""Behavioural tests of the triage models, in Chinese: invariance, direction, minimum functionality."""

from __future__ import annotations

import pytest

from classifiers.triage import ModelsMissing, Triager, load_triager

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def triager(trained_settings) -> Triager:
    return load_triager(trained_settings)


def _same_categories(triager, a: str, b: str) -> None:
    ra, rb = triager.triage(a), triager.triage(b)
    assert ra.categories == rb.categories
    assert ra.agencies == rb.agencies


# --- invariance -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("simplified", "traditional"), [
    ("派出所的民警让我交五百块钱才给办户口，还不给开收据", "派出所的民警讓我交五百塊錢才給辦戶口，還不給開收據"),
    ("法院执行局拖了两年，执行款一分钱没到账，法官电话也不接", "法院執行局拖了兩年，執行款一分錢沒到賬，法官電話也不接"),
])
def test_traditional_and_simplified_text_get_the_same_labels(triager, simplified, traditional):
    _same_categories(triager, simplified, traditional)


def test_swapping_the_phone_number_changes_nothing(triager):
    text = "来电人（电话{}）反映城关派出所户籍窗口让她跑了四趟，每次都说材料不全"
    a, b = triager.triage(text.format("13904671258")), triager.triage(text.format("18645553210"))
    assert a.categories == b.categories and a.agencies == b.agencies
    assert a.category_scores == b.category_scores


def test_swapping_the_police_station_changes_no_category(triager):
    text = "{}的民警跟放高利贷的称兄道弟，我们报了三次警都没立案，还把我的举报内容透露给了对方"
    a, b = triager.triage(text.format("红星派出所")), triager.triage(text.format("城关派出所"))
    assert a.categories == b.categories and a.agencies == b.agencies == ["public_security"]
    assert a.sub_units == ["红星派出所"] and b.sub_units == ["城关派出所"]


# --- directional ------------------------------------------------------------------------------------
@pytest.mark.parametrize("base", [
    "我去派出所办居住证，跑了好几趟还没办下来",
    "区法院的执行案子拖了一年多",
    "我在司法所申请调解，调解员一直没安排",
])
def test_a_hint_for_a_bribe_raises_abuse_for_profit(triager, base):
    before = triager.triage(base).category_scores["abuse_for_profit"]
    after = triager.triage(base + "，他暗示我表示表示才给办").category_scores["abuse_for_profit"]
    assert after > before + 0.05


# --- minimum functionality: categories --------------------------------------------------------------
CATEGORY_CASES = [
    ("low_efficiency", "户籍窗口的工作人员态度特别差，我问了两句就冲我吼，一个证明让我来回跑了五趟"),
    ("low_efficiency", "出入境大厅排了一上午队，轮到我窗口就下班了，让我明天再来"),
    ("formalism", "投诉了三次，每次回复都是一样的套话“已转相关部门处理”，回访电话就是走个过场，问题一点没解决"),
    ("formalism", "作风整顿只是在墙上贴标语、开会拍照，整改报告写得漂亮，实际什么都没改"),
    ("low_competence", "判决书上把我的名字写错了，赔偿金额也算错了，法官自己都说不清楚"),
    ("low_competence", "民警做笔录把时间地点都记错了，问他法律规定他一问三不知"),
    ("inaction_misconduct", "我被人打伤了报警，派出所一直不给立案，拖了半年也没人查"),
    ("inaction_misconduct", "法院把我们公司账户全部冻结了，冻结金额是欠款的十几倍，早就超标的查封了"),
    ("abuse_for_profit", "交警中队每个月跟我们收一千五的“月票”，不交就天天罚款，钱也不开票"),
    ("abuse_for_profit", "派出所所长的小舅子开了家KTV，民警隔三差五去吃喝不给钱，还逼我们去那消费"),
    ("perverting_justice", "对方托关系找了法官，收了钱以后就改判了，法官跟对方律师称兄道弟"),
    ("perverting_justice", "那伙放高利贷的黑恶势力有派出所副所长当保护伞，我们一报案他们就有人通风报信"),
]


@pytest.mark.parametrize(("category", "text"), CATEGORY_CASES)
def test_clear_complaints_get_their_category(triager, category, text):
    result = triager.triage(text)
    assert category in result.categories, (result.categories, result.category_scores)


@pytest.mark.parametrize("text", [
    "请问身份证丢了补办需要带什么材料？周六上班吗？",
    "感谢城关派出所的民警帮我找回了走失的孩子，特此表扬",
    "小区物业乱收停车费，供热公司暖气也不热，谁来管管",
    "测试",
])
def test_out_of_scope_messages_get_no_category(triager, text):
    assert triager.triage(text).categories == []


# --- minimum functionality: agencies ----------------------------------------------------------------
AGENCY_CASES = [
    ("public_security", "红星派出所的民警接警后一直不出警"),
    ("public_security", "交警把我的车扣了，说罚款交了才能提车"),
    ("court", "执行款一直不到账，执行法官也找不到人"),
    ("court", "区法院立案庭不给我立案，说材料不齐"),
    ("procuratorate", "检察院对那个打人的作出了不起诉决定，检察官也不给我们解释"),
    ("procuratorate", "我向检察院控告申诉部门递交的材料半年没有答复"),
    ("justice_bureau", "公证处的公证员没核实身份就给办了委托公证，房子被人卖了"),
    ("justice_bureau", "法律援助中心指派的援助律师开庭都不来"),
    ("political_legal_committee", "网格员天天让我们在表格上签字，说是入户走访，其实一次也没来过"),
    ("political_legal_committee", "综治中心调解矛盾纠纷，就是拍照留痕，问题根本没解决"),
]


@pytest.mark.parametrize(("agency", "text"), AGENCY_CASES)
def test_clear_complaints_name_the_accused_agency(triager, agency, text):
    result = triager.triage(text)
    assert result.agencies[:1] == [agency], (result.agencies, result.agency_scores)


def test_an_organ_only_appealed_to_is_not_accused(triager):
    result = triager.triage("我去找了政法委反映，红星派出所的民警收了对方的钱就把案子撤了")
    assert "public_security" in result.agencies
    assert "political_legal_committee" not in result.agencies


def test_a_tagged_organ_is_not_accused(triager):
    result = triager.triage("@区委政法委 区法院执行局的执行法官拖了我两年，一分钱没执行回来")
    assert result.agencies == ["court"]


# --- result contract --------------------------------------------------------------------------------
def test_evidence_offsets_point_into_the_original_text(triager):
    text = "  紅星派出所民警讓我表示表示才給辦戶口！！！"
    result = triager.triage(text)
    assert result.evidence
    for span in result.evidence:
        assert text[span.start:span.end] == span.text
        assert span.label in result.categories or span.label in result.agencies


def test_evidence_never_shows_personal_data(triager):
    text = "来电人张女士（电话13904671258）反映红星派出所民警让她表示表示才给办户口"
    for span in triager.triage(text).evidence:
        assert "1390467" not in span.text and "张女士" not in span.text


def test_serious_categories_go_to_the_discipline_team(triager):
    result = triager.triage("红星派出所的民警收了对方五万块钱，就把我举报的案子撤了，还威胁我别再告")
    assert {"abuse_for_profit", "perverting_justice"} & set(result.categories)
    assert result.handler == "区纪委监委派驻公安分局纪检监察组"
    assert result.sub_units == ["红星派出所"]


def test_batch_equals_single_and_model_version_names_both_models(triager):
    texts = ["法院执行款一直不到账", "请问公证处几点上班", "派出所民警态度恶劣"]
    batch = triager.triage_batch(texts, ["online", None, "hotline"])
    single = [triager.triage(t, c) for t, c in zip(texts, ["online", None, "hotline"])]
    assert [b.as_dict() for b in batch] == [s.as_dict() for s in single]
    assert batch[0].model_version.startswith("categories:") and "+agencies:" in batch[0].model_version


def test_review_margin_decides_needs_review(trained_settings):
    text = "派出所办事有点慢"
    wide = load_triager(trained_settings.model_copy(update={"review_margin": 1.0})).triage(text)
    none = load_triager(trained_settings.model_copy(update={"review_margin": 0.0})).triage(text)
    assert wide.needs_review and any(r.startswith("borderline:") for r in wide.review_reasons)
    assert not any(r.startswith("borderline:") for r in none.review_reasons)
    by_channel = trained_settings.model_copy(update={"review_margin": 0.0,
                                                     "review_margin_by_channel": {"online": 1.0}})
    assert load_triager(by_channel).triage(text, "online").needs_review


def test_missing_models_raise_a_bilingual_error(settings):
    with pytest.raises(ModelsMissing) as info:
        load_triager(settings)
    message = str(info.value)
    assert "qingfeng train" in message and "没有可用的生产模型" in message and "No PRODUCTION model" in message


def test_reload_if_changed_follows_the_production_pointer(trained_settings, tmp_path):
    import shutil

    from classifiers import registry

    settings = trained_settings.model_copy(update={"model_dir": tmp_path / "models"})
    shutil.copytree(trained_settings.model_dir, settings.model_dir)
    triager = load_triager(settings)
    assert triager.reload_if_changed() is False
    current = registry.production_version(settings.model_dir, "categories")
    copy = "20990101T000000-deadbeef"
    shutil.copytree(settings.model_dir / "categories" / current, settings.model_dir / "categories" / copy)
    registry.set_production(settings.model_dir, "categories", copy)
    assert triager.reload_if_changed() is True
    assert triager.triage("派出所态度差").model_version.startswith(f"categories:{copy}+")
