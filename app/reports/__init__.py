"""Reports: what coordinators read about their cohorts. It reads from every domain; nothing imports it."""
