"""One spider per edition of every built-in outlet, made from its definition and named
`<outlet>_<language>` (as `scrapy crawl` and `scrapy list` know them)."""

from __future__ import annotations

from outlets import builtin_outlets
from spiders.base import EditionSpider


def _spider_class(outlet, language: str) -> type[EditionSpider]:
    name = f"{outlet.name}_{language}"
    class_name = "".join(part.capitalize() for part in name.replace("-", "_").split("_")) + "Spider"
    return type(class_name, (EditionSpider,), {
        "__module__": __name__, "__doc__": f"The {language} edition of {outlet.title or outlet.name}.",
        "name": name, "outlet": outlet, "language": language})


def _define_spiders() -> None:
    for outlet in builtin_outlets():
        for language in outlet.languages:
            spider = _spider_class(outlet, language)
            globals()[spider.__name__] = spider


_define_spiders()
