"""Learning: cohorts, enrolments, progress, quizzes, reflections and certificates."""
