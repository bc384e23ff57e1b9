"""Authoring: trainers edit courses in the browser, as drafts that become revisions when published."""
