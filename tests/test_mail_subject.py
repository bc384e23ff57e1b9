"""An email's subject in Russian or Kyrgyz arrives with every space (issue 25, point 10): Python 3.11's
default folding dropped the space where it broke a long Cyrillic subject across lines."""

from __future__ import annotations

import email
import email.policy
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from app.config import Settings
from app.mail import send_mail

RUSSIAN = (
    "Что нового в ваших обсуждениях: резолюция 2027-1, пункт 4 — статус изменён на «В работе», "
    "Академия гражданского пространства"
)
KYRGYZ = (
    "Талкууларыңызда эмне жаңы: сунушуңуз кабыл алынды, № 2027-1 резолюциянын 4-пунктунун аткарылыш "
    "абалы өзгөрдү"
)
SUBJECTS = [
    RUSSIAN,
    KYRGYZ,
    # Each of these lost a space under Python 3.11's default folding ("аткарылышабалы", "работе»,Академия").
    "на «В работе», Академия гражданского пространства",
    "алынды, № 2027-1 резолюциянын 4-пунктунун аткарылыш абалы өзгөрдү",
    "кабыл алынды аткарылыш абалы өзгөрдү",
    "неделю резолюция пункт статус изменён",
    "Вопрос  с двумя  пробелами и ңөү, ascii words in between, 2027-1, и ещё немного текста в конце",
    "What is new in your discussions",  # ASCII stays as it was
]


def _sent(tmp_path: Path, subject: str) -> bytes:
    settings = Settings(_env_file=None, data_dir=tmp_path, smtp_host="")  # type: ignore[call-arg]
    send_mail(settings, to="aigul@example.kg", subject=subject, body="Здравствуйте!\nСсылка внутри.\n")
    [path] = sorted((tmp_path / "outbox").glob("*.eml"))
    raw = path.read_bytes()
    path.unlink()
    return raw


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_subject_decodes_to_exactly_what_was_sent(tmp_path: Path, subject: str) -> None:
    raw = _sent(tmp_path, subject)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(message["Subject"]) == subject
    # A strict RFC 2047 reader (the compat32 parser and decode_header) reads the same.
    strict = email.message_from_bytes(raw)
    assert str(make_header(decode_header(strict["Subject"]))) == subject
    assert message.get_content() == "Здравствуйте!\nСсылка внутри.\n"  # type: ignore[attr-defined]
    headers = raw.split(b"\n\n", 1)[0]
    assert all(len(line) <= 78 for line in headers.splitlines())  # folded, as RFC 5322 wants


def test_a_long_cyrillic_subject_is_folded_into_several_encoded_words(tmp_path: Path) -> None:
    raw = _sent(tmp_path, SUBJECTS[0])
    headers = raw.split(b"\n\n", 1)[0].decode("ascii")  # nothing but ASCII on the wire
    subject = headers.split("Subject:", 1)[1].split("\nDate:", 1)[0]
    assert subject.count("=?utf-8?b?") >= 3 and "\n " in subject


def test_every_run_of_words_keeps_its_spaces(tmp_path: Path) -> None:
    """Where a fold falls depends on the words before it: every run of consecutive words of a Russian
    and a Kyrgyz sentence, each sent and read back."""
    for sentence in (RUSSIAN, KYRGYZ):
        words = sentence.split(" ")
        for first in range(len(words)):
            for last in range(first + 1, len(words) + 1):
                subject = " ".join(words[first:last])
                message = email.message_from_bytes(_sent(tmp_path, subject), policy=email.policy.default)
                assert str(message["Subject"]) == subject
