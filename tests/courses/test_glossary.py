"""The one glossary of all courses: its schema, what the checker says of lessons that avoid its terms,
sync into the database, and the lesson editor showing a translator the terms her lesson uses."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses import glossary, loader, sync
from app.courses.models import GlossaryTerm

ROOT = Path(__file__).resolve().parents[2]

GLOSSARY = """\
terms:
  - id: first-steps
    en: first steps
    ru: первые шаги
    ky: алгачкы кадамдар
  - id: lesson
    en: lesson
    ru: урок
    ky: сабак
    note: "ky: сабак, never the Russian word"
    avoid: {ky: [урок]}
"""


def write(example: Path, text: str = GLOSSARY) -> Path:
    path = example.parent / "glossary.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def glossary_problems(example: Path) -> list[str]:
    return [str(p) for p in loader.load(example)[1].problems if p.path.endswith("glossary.yaml")]


class TestSchema:
    def test_a_good_glossary_loads(self, example: Path) -> None:
        write(example)
        entries = loader.load_glossary(example)
        assert [entry.key for entry in entries] == ["first-steps", "lesson"]
        assert entries[1].avoid == {"ky": ("урок",)} and entries[1].note.startswith("ky:")
        assert glossary_problems(example) == []

    def test_every_language_is_required(self, example: Path) -> None:
        write(example, GLOSSARY.replace("    ky: сабак\n", ""))
        assert glossary_problems(example) == ["glossary.yaml:6: error: terms.1.ky: required, but missing"]

    def test_an_id_twice_unknown_fields_and_two_line_notes_are_errors(self, example: Path) -> None:
        text = GLOSSARY.replace("id: lesson", "id: first-steps").replace(
            "    ru: урок\n", "    ru: урок\n    rus: x\n"
        )
        write(example, text.replace('note: "ky: сабак, never the Russian word"', 'note: "one\\ntwo"'))
        found = glossary_problems(example)
        assert any("terms.1.rus: not a field here (check its spelling)" in p for p in found), found
        assert any("terms.1.note: does not have the expected form" in p for p in found), found
        write(example, text.replace("    rus: x\n", ""))
        assert glossary_problems(example) == [
            "glossary.yaml:6: error: terms[1]: the id 'first-steps' is used twice"
        ]

    def test_avoiding_its_own_term_is_an_error_and_a_term_twice_a_warning(self, example: Path) -> None:
        text = GLOSSARY.replace("avoid: {ky: [урок]}", "avoid: {ky: [Сабак]}").replace(
            "ru: урок", "ru: первые шаги"
        )
        write(example, text)
        assert glossary_problems(example) == [
            "glossary.yaml:6: error: terms[1] (lesson): avoids its own ky term",
            "glossary.yaml:6: warning: terms[1] (lesson): the ru term 'первые шаги' is also 'first-steps': "
            "one term, one entry (or say how they differ in a note naming the other)",
        ]

    def test_one_word_for_two_terms_is_fine_when_a_note_says_so(self, example: Path) -> None:
        text = GLOSSARY.replace("ru: урок", "ru: первые шаги").replace("avoid: {ky: [урок]}", "avoid: {}")
        write(
            example,
            text.replace(
                'note: "ky: сабак, never the Russian word"', 'note: "ru: as first-steps, in the title"'
            ),
        )
        assert glossary_problems(example) == []

    def test_the_shipped_glossary_is_clean_and_large_enough(self) -> None:
        report = loader.Report(root=ROOT / "courses")
        entries = loader.load_glossary(ROOT / "courses", report)
        assert report.problems == []
        assert len(entries) >= 160


class TestLessonsUseIt:
    def test_an_avoided_variant_is_warned_about_with_its_file(self, example: Path) -> None:
        write(example)
        body = example / "01-basics" / "03-your-turn.ky.md"
        body.write_text(body.read_text(encoding="utf-8") + "\nБул урокто биз ойлонобуз.\n", encoding="utf-8")
        warned = [str(p) for p in loader.load(example)[1].warnings if "glossary" in p.message]
        assert warned == [
            "example-course/01-basics/03-your-turn.ky.md: warning: uses 'урок' (ky): the glossary (lesson) writes 'сабак'"
        ]

    def test_endings_are_matched_but_other_words_are_not(self) -> None:
        entry = glossary.Entry("lesson", "lesson", "урок", "сабак", avoid={"ky": ("урок",)})
        assert glossary.avoided_in([entry], "ky", "Бул урокто")  # a Kyrgyz ending
        assert not glossary.avoided_in([entry], "ky", "сабакта, бурок")  # the letters inside a word
        assert glossary.words_pattern("early warning").search("Early warnings save lives")


class TestInTheDatabase:
    def test_sync_replaces_the_glossary(self, session: Session, settings: Settings, example: Path) -> None:
        write(example)
        specs, _report = loader.load(example)
        media = Path(settings.data_dir) / "media"
        sync.sync(session, specs, media_dir=media, glossary=loader.load_glossary(example))
        session.flush()
        assert session.scalars(sa.select(GlossaryTerm.key).order_by(GlossaryTerm.key)).all() == [
            "first-steps",
            "lesson",
        ]
        write(example, GLOSSARY.split("  - id: lesson")[0].replace("первые шаги", "первые шаги в курсе"))
        sync.sync(session, specs, media_dir=media, glossary=loader.load_glossary(example))
        session.flush()
        rows = session.scalars(sa.select(GlossaryTerm)).all()
        assert [(row.key, row.ru) for row in rows] == [("first-steps", "первые шаги в курсе")]
