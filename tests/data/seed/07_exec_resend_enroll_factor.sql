EXEC okta.users.factors.resend_enroll_factor 
@subdomain='{{ subdomain }}' --required, 
@templateId='{{ templateId }}' 
@@json=
'{
"factorType": "{{ factorType }}"
}';
