"""Shared crawling machinery: article records, extraction, pipelines and middlewares."""
