"""The intake service: the small web endpoint that receives the site's contribution forms.

It faces the internet, so it reads the registry through a connection SQLite
will not let write, keeps what it receives in the contributions file apart
from the registry, checks every value with the registry's own rules, and
answers each visitor with a short page in their language, setting no cookies.
"""
