"""Accounts: users, roles, sessions, registration, password reset, the audit log and rate limits."""
