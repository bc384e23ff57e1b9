"""Her account's pages (account.py: registration, sign-in, profile, password, her data) and the
administrators' (admin.py).

app.main includes each module's router, in the order it gives."""
