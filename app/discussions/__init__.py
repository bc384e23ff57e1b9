"""Threads and posts attached to lessons, modules, courses and cohorts; moderation; notifications."""
