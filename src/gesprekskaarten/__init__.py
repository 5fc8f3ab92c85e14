"""Gesprekskaarten: conversation cards for the Gids Ambtelijk Vakmanschap."""

__version__ = "0.1.0"
