"""Reading courses from files, and checking everything about them.

`load(path)` returns the courses it could read and every problem it found, each naming the file and,
where it applies, the line. Sync refuses to write anything while there is an error; warnings (a missing
translation, a body left for the fallback language) do not stop it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app import i18n
from app.courses import glossary, schema
from app.courses.spec import (
    FALLBACK,
    SLUG,
    ChoiceSpec,
    CourseSpec,
    LessonSpec,
    MediaFile,
    ModuleSpec,
    OptionSpec,
    QuestionSpec,
    StepSpec,
    Text,
)
from app.i18n import N_
from app.markdown import iter_inline, parse

LOCALES = ("ky", "ru", "en")
MAX_MEDIA_BYTES = 2 * 1024 * 1024
MEDIA_TYPES = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
}
MODULE_DIR = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)$")
MARKDOWN_LESSON = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.(ky|ru|en)\.md$")
YAML_LESSON = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.(quiz|scenario)\.ya?ml$")
SOURCES_HEADING = re.compile(r"^#{2,3}\s*(Sources|Источники|Булактар)\s*$", re.MULTILINE | re.IGNORECASE)

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    severity: Severity
    message: str  # in English, as `academy courses check` prints it
    msgid: str = field(default="", compare=False)  # the message to translate (N_), for the browser
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def translated(self) -> str:
        """The message in the reader's language (a trainer's editor shows it)."""
        return i18n.gettext(self.msgid) % dict(self.params) if self.msgid else self.message


@dataclass
class Report:
    root: Path
    problems: list[Problem] = field(default_factory=list)

    def add(
        self, path: Path, message: str, line: int | None = None, severity: Severity = "error", **params: Any
    ) -> None:
        """A problem; `message` is marked with N_ and takes `params` (%(name)s)."""
        try:
            shown = path.relative_to(self.root.parent).as_posix()
        except ValueError:
            shown = path.as_posix()
        values = tuple(sorted(params.items()))
        self.problems.append(Problem(shown, line, severity, message % params, message, values))

    def warn(self, path: Path, message: str, line: int | None = None, **params: Any) -> None:
        self.add(path, message, line, "warning", **params)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# YAML that remembers lines -------------------------------------------------------------------------------


class Located(dict[Any, Any]):
    """A YAML mapping that knows the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class LocatedList(list[Any]):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans (only true/false: "no", "on" and "yes" stay text) and line numbers."""

    duplicate_keys: list[tuple[str, int]]


_Loader.yaml_implicit_resolvers = {
    key: [resolver for resolver in resolvers if resolver[0] != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            loader.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    items = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(text: str, path: Path, report: Report, line_offset: int = 0) -> Any:
    loader = _Loader(text)
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        known = YAML_PROBLEMS.get(problem.split(" (")[0].strip())
        if known:
            report.add(path, known, line)
        else:
            report.add(path, N_("YAML syntax: %(problem)s"), line, problem=problem)
        return None
    finally:
        loader.dispose()
    for key, line in loader.duplicate_keys:
        report.add(path, N_("the key '%(key)s' appears twice"), line + line_offset, key=key)
    return data


# What PyYAML says most often, in words a trainer can act on (anything else is shown as PyYAML says it).
YAML_PROBLEMS = {
    "mapping values are not allowed here": N_(
        "YAML syntax: a colon (:) inside a value; put the text in quotes"
    ),
    "could not find expected ':'": N_("YAML syntax: a line without a colon (:) after its key"),
    "found character '\\t' that cannot start any token": N_("YAML syntax: a tab; indent with spaces"),
    "found unexpected end of stream": N_("YAML syntax: the file ends inside a quoted text"),
    "found undefined alias": N_("YAML syntax: a * at the start of a value; put the text in quotes"),
}

# Pydantic's error types, in words a trainer can act on; `where` is the field's place.
SCHEMA_PROBLEMS = {
    "missing": N_("%(where)s: required, but missing"),
    "extra_forbidden": N_("%(where)s: not a field here (check its spelling)"),
    "literal_error": N_("%(where)s: must be one of %(expected)s"),
    "enum": N_("%(where)s: must be one of %(expected)s"),
    "string_too_short": N_("%(where)s: too short"),
    "too_short": N_("%(where)s: too few entries"),
    "string_too_long": N_("%(where)s: too long"),
    "too_long": N_("%(where)s: too many entries"),
    "int_parsing": N_("%(where)s: must be a whole number"),
    "int_type": N_("%(where)s: must be a whole number"),
    "int_from_float": N_("%(where)s: must be a whole number"),
    "float_parsing": N_("%(where)s: must be a number"),
    "bool_parsing": N_("%(where)s: must be true or false"),
    "bool_type": N_("%(where)s: must be true or false"),
    "string_type": N_("%(where)s: must be text"),
    "string_pattern_mismatch": N_("%(where)s: does not have the expected form (%(pattern)s)"),
    "greater_than_equal": N_("%(where)s: must be at least %(ge)s"),
    "less_than_equal": N_("%(where)s: must be at most %(le)s"),
    "greater_than": N_("%(where)s: must be more than %(gt)s"),
    "less_than": N_("%(where)s: must be less than %(lt)s"),
    "dict_type": N_("%(where)s: expected fields (key: value)"),
    "model_type": N_("%(where)s: expected fields (key: value)"),
    "model_attributes_type": N_("%(where)s: expected fields (key: value)"),
    "list_type": N_("%(where)s: expected a list (lines starting with -)"),
}


def schema_problem(error: Any) -> tuple[str, dict[str, Any]]:
    """A pydantic error as a message to translate and its values (besides `where`)."""
    context = dict(error.get("ctx") or {})
    if error["type"] == "string_pattern_mismatch" and context.get("pattern") == SLUG.pattern:
        return N_("%(where)s: only lowercase letters a-z, digits and hyphens"), {}
    message = SCHEMA_PROBLEMS.get(error["type"])
    if message is None:
        detail = str(error["msg"]).removeprefix("Value error, ")
        return N_("%(where)s: %(detail)s"), {"detail": detail}
    return message, {name: str(value) for name, value in context.items() if f"%({name})s" in message}


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of `data` that `loc` (a pydantic error location) reaches."""
    line = getattr(data, "line", None) or None
    node = data
    for part in loc:
        if isinstance(node, Located) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LocatedList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, path: Path, report: Report, line_offset: int = 0) -> M | None:
    if not isinstance(data, dict):
        report.add(
            path, N_("expected a mapping of fields (key: value)"), line_offset + 1 if line_offset else None
        )
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(part) for part in loc) or "(top)"
            line = line_of(data, loc)
            message, params = schema_problem(error)
            report.add(path, message, (line or 0) + line_offset or None, where=where, **params)
        return None


def as_text(value: Any) -> Text:
    """Texts keyed by locale, as plain strings (the schema's keys are a Literal of the locales)."""
    return {str(key): str(text) for key, text in dict(value).items()}


# Translations -----------------------------------------------------------------------------------------


def check_translations(texts: dict[str, Text], source: str, path: Path, report: Report) -> None:
    """`texts` maps a field's name to its texts: the source language is required, the others warned."""
    missing: dict[str, list[str]] = defaultdict(list)
    for name, text in texts.items():
        if not text:
            continue
        if source not in text:
            report.add(
                path, N_("%(name)s: the source language (%(source)s) is missing"), name=name, source=source
            )
        for locale in LOCALES:
            if locale not in text:
                missing[locale].append(name)
    for locale, names in missing.items():
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        report.warn(path, N_("missing translation (%(locale)s): %(names)s"), locale=locale, names=shown)


# Courses ------------------------------------------------------------------------------------------------


def find_course_dirs(path: Path) -> list[Path]:
    if (path / "course.yaml").is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(child for child in path.iterdir() if child.is_dir() and (child / "course.yaml").is_file())


def load(path: Path) -> tuple[list[CourseSpec], Report]:
    path = path.resolve()
    report = Report(root=path if (path / "course.yaml").is_file() else path / "_")
    dirs = find_course_dirs(path)
    if not dirs:
        report.add(path, N_("no course here: expected a course.yaml, or folders that each hold one"))
    courses = [course for course in (load_course(directory, report) for directory in dirs) if course]
    terms = load_glossary(path, report)
    for course in courses:
        check_terms(course, terms, report)
    report.problems.sort(key=lambda p: (p.path, p.line or 0, p.severity, p.message))
    return courses, report


def load_glossary(path: Path, report: Report | None = None) -> list[glossary.Entry]:
    """The glossary that governs the courses at `path`, checked into `report` (none: an empty list)."""
    report = report or Report(root=path)
    file = glossary.find(path.resolve())
    if file is None:
        return []
    data = read_yaml(file.read_text(encoding="utf-8"), file, report)
    model = validate(glossary.GlossaryFile, data, file, report) if data is not None else None
    if model is None:
        return []
    seen: dict[str, str] = {}
    for index, term in enumerate(model.terms):
        line = line_of(data, ("terms", index))
        if term.id in seen:
            report.add(
                file, N_("terms[%(index)s]: the id '%(id)s' is used twice"), line, index=index, id=term.id
            )
        seen.setdefault(term.id, term.id)
        for locale, variants in term.avoid.items():
            if any(variant.casefold() == getattr(term, locale).casefold() for variant in variants):
                report.add(
                    file,
                    N_("terms[%(index)s] (%(id)s): avoids its own %(locale)s term"),
                    line,
                    index=index,
                    id=term.id,
                    locale=locale,
                )
    notes = {term.id: term.note or "" for term in model.terms}
    for language in glossary.LOCALES:
        owners: dict[str, str] = {}
        for index, term in enumerate(model.terms):
            text = getattr(term, language).casefold()
            other = owners.setdefault(text, term.id)
            if other != term.id and other not in notes[term.id] and term.id not in notes[other]:
                report.warn(
                    file,
                    N_(
                        "terms[%(index)s] (%(id)s): the %(locale)s term '%(term)s' is also '%(other)s': one"
                        " term, one entry (or say how they differ in a note naming the other)"
                    ),
                    line_of(data, ("terms", index)),
                    index=index,
                    id=term.id,
                    locale=language,
                    term=getattr(term, language),
                    other=other,
                )
    return glossary.entries_of(model)


def check_terms(course: CourseSpec, terms: list[glossary.Entry], report: Report) -> None:
    """Warn where a lesson uses a variant the glossary says to avoid."""
    if not any(entry.avoid for entry in terms):
        return
    folder = course.path or Path(course.slug)
    places: list[tuple[Path, list[Text]]] = [
        (folder / "course.yaml", [course.title, course.summary, course.audience])
    ]
    for module in course.modules:
        module_file = folder / f"{module.position:02d}-{module.slug}" / "module.yaml"
        places.append((module_file, [module.title, module.summary]))
    for lesson in course.lessons():
        for locale in glossary.LOCALES:
            file = next((f for f in lesson.files if f".{locale}." in f.name), lesson.files[0])
            places.append((file, [{locale: lesson_text(lesson, locale)}]))
    for where, texts in places:
        for locale in glossary.LOCALES:
            text = "\n".join(text.get(locale, "") for text in texts)
            for variant, entry in glossary.avoided_in(terms, locale, text):
                report.warn(
                    where,
                    N_("uses '%(variant)s' (%(locale)s): the glossary (%(key)s) writes '%(term)s'"),
                    variant=variant,
                    locale=locale,
                    key=entry.key,
                    term=entry.text(locale),
                )


def lesson_text(lesson: LessonSpec, locale: str) -> str:
    """Everything a lesson says in one language, as one text (for the glossary's checks)."""
    parts = [lesson.title.get(locale, ""), lesson.summary.get(locale, ""), lesson.body.get(locale, "")]
    parts += [lesson.prompt.get(locale, ""), lesson.intro.get(locale, "")]
    for question in lesson.questions:
        parts += [question.prompt.get(locale, ""), question.explanation.get(locale, "")]
        for option in question.options:
            parts += [option.text.get(locale, ""), option.feedback.get(locale, "")]
    for step in lesson.steps:
        parts.append(step.text.get(locale, ""))
        parts += [choice.label.get(locale, "") for choice in step.choices]
    return "\n".join(part for part in parts if part)


def load_course(directory: Path, report: Report) -> CourseSpec | None:
    slug = directory.name
    course_file = directory / "course.yaml"
    if not SLUG.match(slug):
        report.add(
            directory, N_("the folder name '%(slug)s' is not a slug (a-z, 0-9 and hyphens)"), slug=slug
        )
    data = read_yaml(course_file.read_text(encoding="utf-8"), course_file, report)
    meta = validate(schema.CourseFile, data, course_file, report) if data is not None else None
    if meta is None:
        return None
    texts = {
        "title": as_text(meta.title),
        "summary": as_text(meta.summary),
        "audience": as_text(meta.audience),
    }
    check_translations(texts, meta.source_language, course_file, report)
    course = CourseSpec(
        slug=slug,
        title=as_text(meta.title),
        summary=as_text(meta.summary),
        audience=as_text(meta.audience),
        estimated_hours=meta.estimated_hours,
        topics=list(dict.fromkeys(meta.topics)),
        pass_mark=meta.pass_mark,
        licence=meta.licence,
        authors=list(meta.authors),
        source_language=meta.source_language,
        open_enrolment=meta.open_enrolment,
        path=directory,
    )
    positions: dict[int, Path] = {}
    for child in sorted(directory.iterdir()):
        if child.name == "course.yaml" or child.name.startswith("."):
            continue
        match = MODULE_DIR.match(child.name)
        if not child.is_dir() or not match:
            report.warn(child, N_("not a module folder (NN-slug) or course.yaml; ignored"))
            continue
        position = int(match.group(1))
        if position in positions:
            report.add(
                child,
                N_("two modules are numbered %(number)s: %(one)s and %(other)s"),
                number=position,
                one=positions[position].name,
                other=child.name,
            )
        positions[position] = child
        module = load_module(child, position, match.group(2), course.source_language, report)
        if module:
            course.modules.append(module)
    if not course.modules:
        report.add(directory, N_("the course has no modules"))
    check_course(course, report)
    return course


def load_module(directory: Path, position: int, slug: str, source: str, report: Report) -> ModuleSpec | None:
    module_file = directory / "module.yaml"
    if not module_file.is_file():
        report.add(directory, N_("module.yaml is missing"))
        return None
    data = read_yaml(module_file.read_text(encoding="utf-8"), module_file, report)
    meta = validate(schema.ModuleFile, data, module_file, report) if data is not None else None
    if meta is None:
        return None
    check_translations(
        {"title": as_text(meta.title), "summary": as_text(meta.summary)}, source, module_file, report
    )
    module = ModuleSpec(
        slug=slug, position=position, title=as_text(meta.title), summary=as_text(meta.summary)
    )

    lessons = _module_lessons(directory, source, report)
    if not lessons:
        report.add(directory, N_("the module has no lessons"))
    module.lessons = lessons
    return module


def _module_lessons(directory: Path, source: str, report: Report) -> list[LessonSpec]:
    """The module's lessons by number, each from its files (a reading's one per language)."""
    markdown: dict[tuple[int, str], dict[str, Path]] = defaultdict(dict)
    structured: list[tuple[int, str, str, Path]] = []
    for child in sorted(directory.iterdir()):
        if child.name == "module.yaml" or child.name.startswith(".") or child.suffix.lower() in MEDIA_TYPES:
            continue
        if match := MARKDOWN_LESSON.match(child.name):
            markdown[(int(match.group(1)), match.group(2))][match.group(3)] = child
        elif match := YAML_LESSON.match(child.name):
            structured.append((int(match.group(1)), match.group(2), match.group(3), child))
        else:
            report.warn(
                child, N_("not a lesson (NN-slug.LANG.md, NN-slug.quiz.yaml, NN-slug.scenario.yaml); ignored")
            )
    loaded = [
        load_markdown_lesson(number, lesson_slug, files, source, report)
        for (number, lesson_slug), files in markdown.items()
    ] + [
        load_structured_lesson(number, lesson_slug, kind, path, source, report)
        for number, lesson_slug, kind, path in structured
    ]
    lessons = sorted(
        (lesson for lesson in loaded if lesson), key=lambda lesson: (lesson.position, lesson.slug)
    )
    seen: dict[int, str] = {}
    for lesson in lessons:
        if lesson.position in seen and seen[lesson.position] != lesson.slug:
            report.add(
                lesson.files[0],
                N_("two lessons are numbered %(number)s: %(one)s and %(other)s"),
                number=lesson.position,
                one=seen[lesson.position],
                other=lesson.slug,
            )
        seen[lesson.position] = lesson.slug
    return lessons


def split_front_matter(text: str, path: Path, report: Report) -> tuple[Any, str, int] | None:
    """(front matter data, body, line where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        report.add(path, N_("the file must start with front matter between --- lines"), 1)
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            data = read_yaml("".join(lines[1:index]), path, report, line_offset=1)
            return data, "".join(lines[index + 1 :]).strip("\n"), index + 2
    report.add(path, N_("the front matter has no closing --- line"), 1)
    return None


Parsed = dict[str, tuple[schema.FrontMatter, str, int, Path]]  # locale -> (front matter, body, line, file)


def load_markdown_lesson(
    number: int, slug: str, files: dict[str, Path], source: str, report: Report
) -> LessonSpec | None:
    parsed = _parse_markdown_files(files, report)
    if not parsed:
        return None
    any_path = next(iter(parsed.values()))[3]
    if source not in parsed:
        report.add(
            any_path,
            N_("the source language (%(source)s) file of lesson '%(slug)s' is missing"),
            source=source,
            slug=slug,
        )
        return None
    first = parsed[source][0]
    for meta, _body, _line, path in parsed.values():
        for name in ("kind", "estimated_minutes", "required"):
            if getattr(meta, name) != getattr(first, name):
                report.add(
                    path,
                    N_("%(name)s differs from the %(source)s file (%(value)s here)"),
                    name=name,
                    source=source,
                    value=getattr(meta, name),
                )
    for locale in LOCALES:
        if locale not in parsed:
            report.warn(
                any_path,
                N_("missing translation (%(locale)s): no %(file)s"),
                locale=locale,
                file=f"{number:02d}-{slug}.{locale}.md",
            )
    lesson = LessonSpec(
        slug=slug,
        kind=first.kind,
        position=number,
        estimated_minutes=first.estimated_minutes,
        required=first.required,
        title={locale: meta.title for locale, (meta, *_rest) in parsed.items()},
        summary={locale: meta.summary for locale, (meta, *_rest) in parsed.items()},
        body={locale: body for locale, (_meta, body, *_rest) in parsed.items()},
        prompt={locale: meta.prompt for locale, (meta, *_rest) in parsed.items() if meta.prompt},
        files=[path for *_rest, path in parsed.values()],
        stamps={
            locale: meta.translated_from
            for locale, (meta, *_rest) in parsed.items()
            if meta.translated_from and locale != source
        },
        exported_from=first.exported_from or "",
    )
    if first.translated_from:
        report.add(
            parsed[source][3], N_("translated_from belongs in a translation, not in the source file"), 2
        )
    _check_bodies(lesson, parsed, source, report)
    return lesson


def _parse_markdown_files(files: dict[str, Path], report: Report) -> Parsed:
    parsed: Parsed = {}
    for locale, path in sorted(files.items()):
        split = split_front_matter(path.read_text(encoding="utf-8"), path, report)
        if split is None:
            continue
        data, body, body_line = split
        meta = validate(schema.FrontMatter, data, path, report, line_offset=1) if data is not None else None
        if meta is None:
            continue
        if meta.kind == "reflection" and not meta.prompt:
            report.add(path, N_("a reflection needs a prompt: the question it asks"), 2)
        parsed[locale] = (meta, body, body_line, path)
    return parsed


def _check_bodies(lesson: LessonSpec, parsed: Parsed, source: str, report: Report) -> None:
    for locale, (_meta, body, body_line, path) in parsed.items():
        if not body.strip():
            if locale == source:
                report.add(path, N_("the lesson body is empty in the source language"), body_line)
            else:
                report.warn(
                    path,
                    N_("the body is not translated yet: learners see the %(locale)s text"),
                    locale=FALLBACK[locale],
                )
        elif lesson.kind == "reading" and not SOURCES_HEADING.search(body):
            report.warn(path, N_("no '## Sources' section at the end of the lesson"))
        collect_media(body, path, body_line, lesson, report)


def load_structured_lesson(
    number: int, slug: str, kind: str, path: Path, source: str, report: Report
) -> LessonSpec | None:
    data = read_yaml(path.read_text(encoding="utf-8"), path, report)
    if data is None:
        return None
    model: type[schema.QuizFile] | type[schema.ScenarioFile] = (
        schema.QuizFile if kind == "quiz" else schema.ScenarioFile
    )
    meta = validate(model, data, path, report)
    if meta is None:
        return None
    lesson = LessonSpec(
        slug=slug,
        kind=meta.kind,
        position=number,
        estimated_minutes=meta.estimated_minutes,
        required=meta.required,
        title=as_text(meta.title),
        summary=as_text(meta.summary),
        files=[path],
        exported_from=meta.exported_from or "",
    )
    texts: dict[str, Text] = {"title": lesson.title, "summary": lesson.summary}
    if isinstance(meta, schema.QuizFile):
        lesson.intro = as_text(meta.intro)
        texts["intro"] = lesson.intro
        lesson.questions = quiz_questions(meta, data, path, report, texts)
    else:
        lesson.start = meta.start
        lesson.steps = scenario_steps(meta, data, path, report, texts)
    check_translations(texts, source, path, report)
    for text in texts.values():
        for body in text.values():
            collect_media(body, path, None, lesson, report)
    return lesson


def quiz_questions(
    meta: schema.QuizFile, data: Any, path: Path, report: Report, texts: dict[str, Text]
) -> list[QuestionSpec]:
    questions: list[QuestionSpec] = []
    seen: set[str] = set()
    for index, question in enumerate(meta.questions):
        line = line_of(data, ("questions", index))
        name = f"questions[{index}] ({question.id})"
        if question.id in seen:
            report.add(path, N_("%(name)s: the id '%(id)s' is used twice"), line, name=name, id=question.id)
        seen.add(question.id)
        texts[f"{name}.prompt"] = as_text(question.prompt)
        texts[f"{name}.explanation"] = as_text(question.explanation)
        if question.type == "true_false":
            options = _true_false_options(question, name, path, line, report)
            if options is None:
                continue
        else:
            options = _choice_options(question, name, path, line, report, texts)
        for option in options:
            if option.feedback:
                texts[f"{name}.options.{option.key}.feedback"] = option.feedback
        questions.append(
            QuestionSpec(
                question.id, question.type, as_text(question.prompt), options, as_text(question.explanation)
            )
        )
    bias = keyed_position(questions)
    if bias is not None:
        position, count = bias
        report.warn(
            path,
            N_(
                "the right answer is option %(position)s in %(count)s of %(total)s questions: spread the"
                " right answers over the positions (a learner should not pass by position alone)"
            ),
            line_of(data, ("questions",)),
            position=position,
            count=count,
            total=len(questions),
        )
    return questions


def _true_false_options(
    question: schema.QuestionModel, name: str, path: Path, line: int | None, report: Report
) -> list[OptionSpec] | None:
    if question.options is not None:
        report.add(
            path, N_("%(name)s: a true_false question takes answer: true|false, not options"), line, name=name
        )
    if question.answer is None:
        report.add(path, N_("%(name)s: a true_false question needs answer: true or false"), line, name=name)
        return None
    feedback = question.feedback or {}
    return [
        OptionSpec("true", question.answer is True, {}, as_text(feedback.get(True, {}))),
        OptionSpec("false", question.answer is False, {}, as_text(feedback.get(False, {}))),
    ]


def _choice_options(
    question: schema.QuestionModel,
    name: str,
    path: Path,
    line: int | None,
    report: Report,
    texts: dict[str, Text],
) -> list[OptionSpec]:
    if question.answer is not None or question.feedback is not None:
        report.add(
            path, N_("%(name)s: answer and feedback belong to true_false; use options"), line, name=name
        )
    raw = question.options or []
    if len(raw) < 2:
        report.add(path, N_("%(name)s: needs at least two options"), line, name=name)
    correct = sum(option.correct for option in raw)
    if correct == 0:
        report.add(path, N_("%(name)s: no option is marked correct: true"), line, name=name)
    elif question.type == "single" and correct != 1:
        report.add(
            path, N_("%(name)s: a single-choice question needs exactly one correct option"), line, name=name
        )
    if len({option.id for option in raw}) != len(raw):
        report.add(path, N_("%(name)s: two options share an id"), line, name=name)
    for raw_option in raw:
        texts[f"{name}.options.{raw_option.id}"] = as_text(raw_option.text)
    return [OptionSpec(o.id, o.correct, as_text(o.text), as_text(o.feedback), fixed=o.fixed) for o in raw]


def keyed_position(questions: list[QuestionSpec]) -> tuple[int, int] | None:
    """The position (1 = first; "true" is first in a true/false question) that is a right answer in more
    than half of the quiz's questions, with how many, if one is. Learners see the options shuffled, but
    files, exports and printed copies keep this order, and it shows how a quiz was written."""
    keyed = Counter(
        position
        for question in questions
        for position, option in enumerate(question.options, start=1)
        if option.correct
    )
    position, count = max(keyed.items(), key=lambda item: (item[1], -item[0]), default=(0, 0))
    return (position, count) if count * 2 > len(questions) else None


def scenario_steps(
    meta: schema.ScenarioFile, data: Any, path: Path, report: Report, texts: dict[str, Text]
) -> list[StepSpec]:
    steps: list[StepSpec] = []
    for key, step in meta.steps.items():
        line = line_of(data, ("steps", key))
        texts[f"steps.{key}.text"] = as_text(step.text)
        if step.choices and step.ending:
            report.add(
                path, N_("steps.%(key)s: a step has either choices or an ending, not both"), line, key=key
            )
        if not step.choices and not step.ending:
            report.add(
                path, N_("steps.%(key)s: needs choices, or an ending (good, mixed or poor)"), line, key=key
            )
        if len({choice.id for choice in step.choices}) != len(step.choices):
            report.add(path, N_("steps.%(key)s: two choices share an id"), line, key=key)
        for index, choice in enumerate(step.choices):
            texts[f"steps.{key}.{choice.id}"] = as_text(choice.label)
            if choice.next not in meta.steps:
                choice_line = line_of(data, ("steps", key, "choices", index))
                report.add(
                    path,
                    N_("steps.%(key)s: choice '%(choice)s' leads to '%(next)s', which is no step"),
                    choice_line,
                    key=key,
                    choice=choice.id,
                    next=choice.next,
                )
        steps.append(
            StepSpec(
                key,
                as_text(step.text),
                [ChoiceSpec(c.id, as_text(c.label), c.next) for c in step.choices],
                step.ending,
            )
        )
    if meta.start not in meta.steps:
        report.add(path, N_("start: '%(start)s' is no step"), line_of(data, ("start",)), start=meta.start)
        return steps
    graph = {key: [c.next for c in step.choices if c.next in meta.steps] for key, step in meta.steps.items()}
    reachable = _reach(graph, meta.start)
    for key in meta.steps:
        if key not in reachable:
            report.add(
                path,
                N_("steps.%(key)s: no choice leads here from '%(start)s'"),
                line_of(data, ("steps", key)),
                key=key,
                start=meta.start,
            )
    ends = {key for key, step in meta.steps.items() if step.ending}
    for key in reachable:
        if not (_reach(graph, key) & ends):
            report.add(
                path,
                N_("steps.%(key)s: no ending can be reached from here"),
                line_of(data, ("steps", key)),
                key=key,
            )
    return steps


def _reach(graph: dict[str, list[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for following in graph.get(todo.pop(), []):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


# Links and media ------------------------------------------------------------------------------------------


def is_local_file(target: str) -> bool:
    return bool(target) and ":" not in target and not target.startswith(("/", "#", "?")) and "/" not in target


def collect_media(
    markdown: str, path: Path, body_line: int | None, lesson: LessonSpec, report: Report
) -> None:
    """Check every image and local file the Markdown names, and remember them on the lesson."""
    for token, line in iter_inline(parse(markdown)):
        shown_line = body_line + line if body_line else None
        if token.type == "image":
            target = str(token.attrGet("src") or "")
            if not token.content.strip():
                report.add(
                    path,
                    N_("the image %(target)s has no alt text: describe what it shows"),
                    shown_line,
                    target=target,
                )
            if not is_local_file(target):
                report.add(
                    path, N_("images must sit beside the lesson (not %(target)s)"), shown_line, target=target
                )
                continue
        elif token.type == "link_open":
            target = str(token.attrGet("href") or "")
            if not is_local_file(target):
                continue
        else:
            continue
        media = media_file(path.parent / target, path, shown_line, report)
        if media:
            lesson.media[media.name] = media


def media_file(file: Path, path: Path, line: int | None, report: Report) -> MediaFile | None:
    kind = MEDIA_TYPES.get(file.suffix.lower())
    if kind is None:
        report.add(
            path, N_("%(file)s: only PNG, JPEG, GIF, WebP images and PDFs can be used"), line, file=file.name
        )
        return None
    if not file.is_file():
        report.add(path, N_("%(file)s is missing: put it beside the lesson"), line, file=file.name)
        return None
    data = file.read_bytes()
    if len(data) > MAX_MEDIA_BYTES:
        report.add(
            path,
            N_("%(file)s is %(size)s KB; the limit is %(limit)s KB"),
            line,
            file=file.name,
            size=len(data) // 1024,
            limit=MAX_MEDIA_BYTES // 1024,
        )
        return None
    content_type, magics = kind
    if not data.startswith(magics) or (file.suffix.lower() == ".webp" and data[8:12] != b"WEBP"):
        report.add(
            path, N_("%(file)s is not really a %(type)s file"), line, file=file.name, type=content_type
        )
        return None
    return MediaFile(file.name, file, content_type, hashlib.sha256(data).hexdigest(), len(data))


def check_course(course: CourseSpec, report: Report) -> None:
    """Rules across files: lesson slugs unique in the course, and links that lead somewhere."""
    owners: dict[str, LessonSpec] = {}
    for lesson in course.lessons():
        if lesson.slug in owners:
            other = owners[lesson.slug].files[0]
            report.add(
                lesson.files[0],
                N_("the lesson slug '%(slug)s' is also used by %(other)s"),
                slug=lesson.slug,
                other=f"{other.parent.name}/{other.name}",
            )
        owners[lesson.slug] = lesson
    modules = {module.slug for module in course.modules}
    if len(modules) != len(course.modules):
        report.add(course.path or Path(course.slug), N_("two modules share a slug"))
    for lesson in course.lessons():
        for path, body in _lesson_markdown(lesson):
            for token, _line in iter_inline(parse(body)):
                if token.type != "link_open":
                    continue
                target = str(token.attrGet("href") or "")
                kind, _sep, slug = target.partition(":")
                if kind == "lesson" and slug not in owners:
                    report.add(
                        path,
                        N_("the link %(target)s names no lesson of this course"),
                        _line_in(path, target),
                        target=target,
                    )
                if kind == "module" and slug not in modules:
                    report.add(
                        path,
                        N_("the link %(target)s names no module of this course"),
                        _line_in(path, target),
                        target=target,
                    )


def _lesson_markdown(lesson: LessonSpec) -> list[tuple[Path, str]]:
    if lesson.kind in ("reading", "reflection"):
        by_locale = {path.name.split(".")[-2]: path for path in lesson.files}
        return [(by_locale[locale], body) for locale, body in lesson.body.items() if locale in by_locale]
    texts = list(lesson.intro.values())
    for question in lesson.questions:
        texts += list(question.prompt.values()) + list(question.explanation.values())
    for step in lesson.steps:
        texts += list(step.text.values())
    return [(lesson.files[0], text) for text in texts]


def _line_in(path: Path, needle: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return None
