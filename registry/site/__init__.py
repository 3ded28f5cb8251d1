"""The public website: guidebook chapters from content/, a page per public record, search and feeds.

`build_site` (in `registry.site.build`) runs the whole build. Importing this
package is cheap; Pelican, Markdown and Jinja2 are imported by the modules that
need them, so `commons --help` stays fast.
"""
