"""Courses: their structure and text in every language, loaded from files under courses/ and kept in the
database as the working copy (trainers also edit them in the browser)."""

# The cache of outlines watches every flush for content changes (cache.py): wherever content models are
# used (importing app.courses.models runs this first), the watch is on.
from app.courses import cache as _cache  # noqa: E402, F401
