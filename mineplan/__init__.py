"""mineplan: spatial compliance of mineral rights and sites with a county mineral-resources plan."""

__version__ = "0.1.0"
