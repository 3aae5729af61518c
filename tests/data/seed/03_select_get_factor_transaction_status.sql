SELECT
factorResult
FROM okta.users.factors
WHERE subdomain = '{{ subdomain }}' -- required;
