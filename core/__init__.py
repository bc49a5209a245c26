"""The bottom of the stack: configuration, the database and its unit of work, money, time,
security headers, error pages. Knows no feature."""
