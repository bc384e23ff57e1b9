"""The bare page must weigh what the lesson page weighs, before and after compression, or the ratio
between them says little (bench/ceiling.py)."""

from __future__ import annotations

import zlib

import pytest

from bench.ceiling import _page, _paragraphs
from bench.run import same_size


@pytest.mark.parametrize(("size", "gzip_size"), [(18_314, 6_460), (30_000, 9_000), (12_000, 5_000)])
def test_the_bare_page_has_the_lesson_pages_size_raw_and_compressed(size: int, gzip_size: int) -> None:
    page = _page(_paragraphs(size, gzip_size))
    assert abs(len(page) - size) <= 0.02 * size
    assert abs(len(zlib.compress(page, 6)) - gzip_size) <= 0.03 * gzip_size


def test_a_bare_page_of_another_weight_stops_the_benchmark() -> None:
    sizes = {"lesson_page_html_bytes": 18_314, "lesson_page_gzip_bytes": 6_460}
    same_size(sizes | {"ceiling_page_html_bytes": 18_200, "ceiling_page_gzip_bytes": 6_500})
    with pytest.raises(SystemExit, match="gzip"):  # the first ceiling: one sentence, repeated
        same_size(sizes | {"ceiling_page_html_bytes": 18_200, "ceiling_page_gzip_bytes": 400})
