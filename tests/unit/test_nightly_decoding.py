"""Encoding detection of export bytes: right or refused, never wrong in silence."""

from __future__ import annotations

import codecs

import pytest

from pipelines.decoding import Undecodable, decode_bytes, decode_lines, plausible_text

TEXT = "工单编号,诉求内容\nRX1,来电人反映红星派出所户籍窗口态度差，跑了三趟\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    ],
)
def test_each_supported_encoding_decodes_to_the_same_text(data, encoding):
    decoded = decode_bytes(data)
    assert decoded.text == TEXT
    assert decoded.encoding == encoding


def test_gb18030_only_characters_survive():
    text = "来电人反映：𠮷字和㐀字都在 GB18030 里"
    assert decode_bytes(text.encode("gb18030")).text == text


def test_random_bytes_are_refused_not_guessed():
    junk = bytes(range(128, 256)) * 8
    with pytest.raises(Undecodable):
        decode_bytes(junk)


def test_latin1_mojibake_is_not_accepted_as_chinese():
    # Windows-1252 text with accents decodes as GB18030 bytes into rare characters: refused
    data = "Réclamation: déjà reçu, très pénible, à côté".encode("cp1252") * 5
    with pytest.raises(Undecodable):
        decode_bytes(data)


def test_plausibility_check_accepts_plain_chinese_and_ascii():
    assert plausible_text("派出所民警态度很差 ABC 123")
    assert not plausible_text("\x01\x02\x03\x04 abc")


def test_one_broken_line_is_set_apart_and_the_rest_decodes():
    good = ["RX1,红星派出所窗口态度差\r\n", "RX2,法院执行一年没结果\r\n", "RX3,检察院不答复\r\n"]
    data = good[0].encode("gbk") + b"RX9,\xff\xfe\xff broken\r\n" + good[1].encode("gbk") + good[2].encode("gbk")
    with pytest.raises(Undecodable):
        decode_bytes(data)
    decoded, bad = decode_lines(data)
    assert decoded.text == "".join(good)
    assert [n for n, _ in bad] == [2]
    assert bad[0][1].startswith(b"RX9")
