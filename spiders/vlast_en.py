"""The English edition of Vlast.kz."""

from spiders.base import VlastSpider


class VlastEnSpider(VlastSpider):
    name = "vlast_en"
    language = "en"
    sections = ("english",)
