"""Forums, recommendations, endorsements, resolutions and the monitoring of their items."""
