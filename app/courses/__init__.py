"""Courses: their structure and text in every language, loaded from files under courses/ and kept in the
database as the working copy (trainers also edit them in the browser)."""
