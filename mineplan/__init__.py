"""mineplan: spatial compliance of mineral rights and sites with a county mineral-resources plan."""

__version__ = "0.1.0"

#: The projected CRS every area and distance is measured in:
#: CGCS2000 / 3-degree Gauss-Kruger CM 120E (no zone prefix in the easting).
WORK_CRS = "EPSG:4549"
