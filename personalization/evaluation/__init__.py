"""How right the motivation reading is: simulated shoppers with a known motivation, the
Bayes-optimal ceiling, the metrics, and a staff map made "roughly right" on purpose."""
