"""The Russian edition of Vlast.kz."""

from spiders.base import VlastSpider


class VlastRuSpider(VlastSpider):
    name = "vlast_ru"
    language = "ru"
    sections = ("novosti", "politika", "obsshestvo", "gorod", "life", "regiony", "people",
                "explain")
