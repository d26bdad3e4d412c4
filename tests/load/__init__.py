"""The load test (`make loadtest`) and its short CI version."""
