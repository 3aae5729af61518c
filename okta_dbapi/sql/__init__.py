"""The SQL front end: tokenising, parsing (sqlglot with StackQL's extensions) and parameter binding."""
