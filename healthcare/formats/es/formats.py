"""The site's dates and times in Spanish (FORMAT_MODULE_PATH): as the English ones
("mar 8 ene 2030, 09:30", 24-hour clock) with Spanish names from Django's catalogue, the
short date day first with slashes ("08/01/2030"), a decimal comma and a point between
thousands. Forms accept what the English ones do: ISO first, then day first.
"""

DATE_FORMAT = "D j b Y"  # b: the month in lower case, as Spanish writes it
DATETIME_FORMAT = "D j b Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
YEAR_MONTH_FORMAT = r"F \d\e Y"
MONTH_DAY_FORMAT = r"j \d\e F"
FIRST_DAY_OF_WEEK = 1  # lunes
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
