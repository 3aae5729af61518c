EXEC okta.users.factors.verify_factor 
@subdomain='{{ subdomain }}' --required, 
@templateId='{{ templateId }}', 
@tokenLifetimeSeconds='{{ tokenLifetimeSeconds }}', 
@X-Forwarded-For='{{ X-Forwarded-For }}', 
@User-Agent='{{ User-Agent }}', 
@Accept-Language='{{ Accept-Language }}';
