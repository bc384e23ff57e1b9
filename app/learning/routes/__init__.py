"""The learner's pages (lessons.py: catalogue, course, lesson, quiz, certificates) and the coordinators'
(cohorts.py).

app.main includes each module's router, in the order it gives."""
