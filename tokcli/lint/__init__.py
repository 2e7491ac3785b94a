"""`tokcli lint`: a rule engine that finds wasteful patterns in prompt files and prices them in tokens."""
