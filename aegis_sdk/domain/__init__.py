"""Plain data and rules: message models, subject rules and errors. No I/O."""
