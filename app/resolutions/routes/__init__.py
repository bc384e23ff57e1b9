"""Forums and their recommendations (forums.py), drafting and adopting resolutions (resolutions.py), what is
published (public.py).

app.main includes each module's router, in the order it gives."""
