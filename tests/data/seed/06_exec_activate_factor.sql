EXEC okta.users.factors.activate_factor 
@subdomain='{{ subdomain }}' --required;
