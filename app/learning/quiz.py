"""What a learner sees of a quiz: the options in an order of her own, and what she left unanswered.

As in Moodle's quiz, each attempt has its own order of options, fixed for the whole attempt: a reload,
a page sent back with a problem, and the graded result all show the same order, and the next attempt may
show another. The order follows from her, the lesson and the attempt (the id of her previous submission,
0 for the first), so it needs nothing stored until she submits; her submission keeps the order she saw.
True/false stays "True, False", and an option the author marked `fixed` keeps its place (say, "none of
the above" last). Grading never looks at the order: answers are option keys.
"""

from __future__ import annotations

import random
from typing import Any

Structure = dict[str, Any]


def order(structure: Structure, *, user_id: int, lesson_id: int, attempt: int) -> dict[str, list[str]]:
    """Each question's option keys in the order this attempt shows them."""
    return {
        question["key"]: _shuffled(
            question, random.Random(f"{user_id}:{lesson_id}:{attempt}:{question['key']}")
        )
        for question in structure.get("questions", [])
    }


def _shuffled(question: Structure, rng: random.Random) -> list[str]:
    keys = [option["key"] for option in question["options"]]
    if question["kind"] == "true_false":
        return keys
    movable = [index for index, option in enumerate(question["options"]) if not option.get("fixed")]
    moved = [keys[index] for index in movable]
    rng.shuffle(moved)
    for index, key in zip(movable, moved, strict=True):
        keys[index] = key
    return keys


def ordered(structure: Structure, shown: dict[str, list[str]] | None) -> list[Structure]:
    """The questions with their options in the order `shown` gives (a stored attempt's, or this one's);
    an option missing from it (an older submission, a course edited since) keeps the file's order."""
    questions = []
    for question in structure.get("questions", []):
        wanted = (shown or {}).get(question["key"], [])
        rank = {key: place for place, key in enumerate(wanted)}
        options = sorted(question["options"], key=lambda option: rank.get(option["key"], len(rank)))
        questions.append({**question, "options": options})
    return questions


def unanswered(structure: Structure, answers: dict[str, list[str]]) -> list[tuple[int, str]]:
    """The questions with no valid option chosen: (number as shown, 1 = first; key)."""
    missing = []
    for number, question in enumerate(structure.get("questions", []), start=1):
        valid = {option["key"] for option in question["options"]}
        if not valid.intersection(answers.get(question["key"], [])):
            missing.append((number, question["key"]))
    return missing
