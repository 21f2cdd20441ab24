"""The Kazakh edition of Vlast.kz."""

from spiders.base import VlastSpider


class VlastKkSpider(VlastSpider):
    name = "vlast_kk"
    language = "kk"
    sections = ("vlast-qazaqsha",)
