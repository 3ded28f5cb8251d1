"""The site's page types, one module each: which pages it makes, and from what.

The generator (`registry.site.generator`) plans the pages of each type in turn
and renders those whose inputs changed. A new page type is a module here with
a `plan(build)` function, a template in theme/templates, and a line in the
generator's PAGE_TYPES.
"""
