"""Threads and posts (threads.py), moderation (moderation.py), notifications (notifications.py), reflections
(reflections.py).

app.main includes each module's router, in the order it gives."""
