"""Page weight for the replayed outlets other than Vlast: stylesheets, scripts and icon sprites
built deterministically in each site's own naming, so that their pages weigh what real ones do."""

from __future__ import annotations

from functools import cache
from random import Random


@cache
def stylesheet(site: str, blocks: tuple[str, ...], size: int) -> str:
    """An inline stylesheet of about `size` characters, its selectors in the site's naming
    (`blocks` are its component names, joined to parts with `__` or `-`)."""
    rng = Random(f"mediawatch-padding:{site}:css")
    joiner = "__" if rng.random() < 0.5 else "-"
    properties = ("margin", "padding", "font-size", "line-height", "color", "background-color",
                  "border-radius", "letter-spacing", "max-width", "gap", "flex-basis", "z-index")
    parts = ("title", "body", "link", "icon", "wrap", "inner", "meta", "img", "list", "item")
    media = ("", "@media (max-width:768px){", "@media (min-width:1200px){")
    rules = []
    while sum(len(rule) for rule in rules) < size:
        selector = f".{rng.choice(blocks)}{joiner}{rng.choice(parts)}"
        declarations = ";".join(
            f"{name}:#{rng.randrange(0x1000000):06x}" if "color" in name
            else f"{name}:{rng.randint(0, 64)}{'' if name == 'z-index' else 'px'}"
            for name in rng.sample(properties, rng.randint(2, 6)))
        wrap = rng.choice(media)
        rules.append(f"{wrap}{selector}{{{declarations}}}{'}' if wrap else ''}")
    return "<style>" + "".join(rules) + "</style>\n"


@cache
def scripts(site: str, size: int) -> str:
    """Analytics, consent and ad scripts of about `size` characters, inline and deferred."""
    rng = Random(f"mediawatch-padding:{site}:js")
    chunks = []
    while sum(len(chunk) for chunk in chunks) < size:
        name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
        values = ",".join(str(rng.randrange(10**6)) for _ in range(24))
        chunks.append(f"var {name}=[{values}];function {name}_init(e){{for(var i=0;i<{name}"
                      f".length;i++){{e.push({name}[i]^{rng.randrange(255)})}}return e}};")
    files = "".join(f'<script src="/assets/js/{site}-{n}.{rng.randrange(16**8):08x}.js" defer>'
                    "</script>\n" for n in range(8))
    return f"<script>{''.join(chunks)}</script>\n{files}"


@cache
def sprite(site: str, icons: int = 24) -> str:
    """An inline SVG sprite of the site's icons."""
    rng = Random(f"mediawatch-padding:{site}:svg")
    symbols = "".join(
        f'<symbol id="{site}-icon-{n}" viewBox="0 0 24 24"><path d="M12 2 '
        + " ".join(f"L{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}" for _ in range(30))
        + 'Z"/></symbol>' for n in range(icons))
    return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{symbols}</svg>\n'
