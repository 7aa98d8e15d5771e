"""French display formats: "jeu. 30 juil. 2026, 20 h 30" (the typographic style of
the Imprimerie nationale), falling back to Django's own French formats for the rest."""

DATE_FORMAT = "D. j N Y"
TIME_FORMAT = r"G \h i"
DATETIME_FORMAT = r"D. j N Y, G \h i"
SHORT_DATETIME_FORMAT = r"j N Y, G \h i"
