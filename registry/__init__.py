"""Commons Lab: a registry of commons assets, SSE actors, agreements and case studies."""

__version__ = "0.1.0"
