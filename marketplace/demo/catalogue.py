"""The demo catalogue: which real venues host offers, and the offers themselves.

Each offer kind (a screening, a concert, an exhibition, an ebook…) says where it
happens (cinemas, museums, festivals of some disciplines, or online), when
(a dated event, a date range, or no date), its prices, stock and booking habits.
Offers are spread over kinds by share, over venues by attendance (CNC admissions
for cinemas, the town's population otherwise), and over days with weekends
favoured; festival events fall in the festival's own season.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from marketplace.demo import vocabulary as words
from marketplace.demo.clock import DAY, EPOCH, HOUR, NULL, local_day, weekday
from marketplace.demo.opendata import Communes, Venues

CATEGORY_SLUGS = (
    "cinema",
    "live-music",
    "shows",
    "museums-heritage",
    "books",
    "recorded-music",
    "films-series",
    "games",
    "art-practice",
    "conferences",
    "press-media",
    "instruments",
)
CATEGORY_INDEX = {slug: index for index, slug in enumerate(CATEGORY_SLUGS)}
# Relative weight of each weekday (Monday first) for events and for bookings.
EVENT_WEEKDAYS = np.array([0.6, 0.7, 0.9, 1.0, 1.4, 1.7, 1.2])
UPCOMING_DAYS = 90
SEASONS = {"spring": ((1, 1), (6, 20)), "summer": ((6, 21), (9, 5)), "autumn": ((9, 6), (12, 31))}


@dataclass(frozen=True)
class OfferKind:
    """A family of offers; `venues` lists venue kinds and `festival:<discipline>` sources."""

    name: str
    category: str
    share: float
    venues: tuple[str, ...]
    schedule: str  # "event" (dated), "range" (from-to) or "open" (no date)
    price: tuple[float, float, float]  # share free, lowest, highest (euros)
    stock: tuple[int, int] | None = None  # places, drawn log-uniformly
    limited_share: float = 1.0  # share of offers with a stock, when `stock` is set
    hours: tuple[float, ...] = ()
    duration_hours: float = 2.0
    max_quantity: int = 1
    lead_days: float = 7.0  # mean time between booking and event
    digital_host: str = ""


KINDS = (
    OfferKind(
        "screening", "cinema", 20, ("cinema",), "event", (0.0, 5.5, 11.9), (40, 450),
        hours=(14, 16.25, 18.5, 20.75, 22), max_quantity=3, lead_days=1.5,
    ),
    OfferKind(
        "festival-screening", "cinema", 3, ("festival:Cinéma, audiovisuel",), "event",
        (0.3, 3, 8), (80, 400), hours=(10.5, 14, 17, 20.5), max_quantity=3, lead_days=5,
    ),
    OfferKind(
        "concert", "live-music", 16, ("festival:Musique", "festival:Pluridisciplinaire"),
        "event", (0.1, 8, 65), (150, 2500), hours=(19, 20, 20.5, 21), duration_hours=2.5,
        max_quantity=4, lead_days=20,
    ),
    OfferKind(
        "show", "shows", 12, ("festival:Spectacle vivant", "festival:Pluridisciplinaire"),
        "event", (0.1, 8, 38), (60, 600), hours=(15, 16, 19, 20, 20.5), duration_hours=1.75,
        max_quantity=4, lead_days=14,
    ),
    OfferKind(
        "visit", "museums-heritage", 4, ("museum",), "open", (0.35, 3, 14), max_quantity=4
    ),
    OfferKind(
        "exhibition", "museums-heritage", 4,
        ("museum", "festival:Arts visuels, arts numériques"), "range", (0.25, 4, 16),
        max_quantity=4,
    ),
    OfferKind(
        "tour", "museums-heritage", 3, ("museum",), "event", (0.2, 3, 12), (12, 30),
        hours=(10.5, 11, 14.5, 15, 16), duration_hours=1.5, max_quantity=3, lead_days=7,
    ),
    OfferKind(
        "workshop", "art-practice", 7,
        ("museum", "festival:Arts visuels, arts numériques", "festival:Pluridisciplinaire"),
        "event", (0.15, 5, 45), (6, 20), hours=(10, 14, 14.5, 18.5), duration_hours=2.5,
        max_quantity=2, lead_days=10,
    ),
    OfferKind(
        "book-event", "books", 4, ("festival:Livre, littérature",), "event", (0.7, 2, 8),
        (30, 200), hours=(10, 14, 15, 18.5), max_quantity=2, lead_days=6,
    ),
    OfferKind(
        "ebook", "books", 4, (), "open", (0.05, 2.99, 19.99), digital_host="ebooks.example.org"
    ),
    OfferKind(
        "talk", "conferences", 5,
        ("museum", "festival:Livre, littérature", "festival:Pluridisciplinaire"), "event",
        (0.5, 3, 12), (40, 300), hours=(12.5, 18.5, 19), duration_hours=1.5, max_quantity=2,
        lead_days=8,
    ),
    OfferKind(
        "album", "recorded-music", 5, (), "open", (0.0, 6.99, 16.99),
        digital_host="music.example.org",
    ),
    OfferKind(
        "film", "films-series", 5, (), "open", (0.0, 2.99, 14.99), digital_host="vod.example.org"
    ),
    OfferKind(
        "game", "games", 4, (), "open", (0.1, 4.99, 69.99), (50, 500), limited_share=0.1,
        digital_host="games.example.org",
    ),
    OfferKind(
        "press", "press-media", 3, (), "open", (0.0, 3.99, 19.99),
        digital_host="press.example.org",
    ),
    # Instruments are physical goods sold by an online shop: no venue, a stock.
    OfferKind(
        "instrument", "instruments", 3, (), "open", (0.0, 29, 890), (3, 40),
        digital_host="shop.example.org",
    ),
)  # fmt: skip


@dataclass
class Catalogue:
    """Column tables of the venues and offers to write, plus what booking needs to know.

    Times are Paris local seconds (see `clock`); a stock of -1 means unlimited;
    offer `venue` indexes `venue_rows` (-1: online).
    """

    venue_rows: np.ndarray  # rows of the venues file used, in file order
    kind: np.ndarray
    category: np.ndarray
    venue: np.ndarray
    title: list[str]
    description: list[str]
    url: list[str]
    price_cents: np.ndarray
    starts_at: np.ndarray
    ends_at: np.ndarray
    published_at: np.ndarray
    stock: np.ndarray
    popularity: np.ndarray
    latitude: np.ndarray = field(default_factory=lambda: np.empty(0))
    longitude: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __len__(self) -> int:
        return len(self.kind)


def kind_counts(total: int) -> np.ndarray:
    """Offers per kind: proportional to shares (largest remainders), at least one each."""
    shares = np.array([kind.share for kind in KINDS], dtype=float)
    if total < len(KINDS):
        raise ValueError(f"At least {len(KINDS)} offers are needed, one of each kind.")
    spare = total - len(KINDS)
    exact = shares / shares.sum() * spare
    counts = np.floor(exact).astype(np.int64)
    remainders = exact - counts
    counts[np.argsort(-remainders, kind="stable")[: spare - counts.sum()]] += 1
    return counts + 1


def venue_attendance(venues: Venues, communes: Communes) -> np.ndarray:
    """How many people a venue draws: CNC admissions for cinemas, the town's size otherwise."""
    population_of = {}
    for postcode, population in zip(communes.postcode, communes.population, strict=True):
        population_of[postcode] = max(population_of.get(postcode, 0), int(population))
    town = np.array([population_of.get(code, 0) for code in venues.postcode], dtype=float)
    return np.where(venues.kind == "cinema", venues.admissions + 5_000.0, np.sqrt(town + 2_000.0))


def venue_candidates(venues: Venues, sources: tuple[str, ...]) -> np.ndarray:
    mask = np.zeros(len(venues), dtype=bool)
    for source in sources:
        if source.startswith("festival:"):
            mask |= (venues.kind == "festival") & (venues.discipline == source.split(":", 1)[1])
        else:
            mask |= venues.kind == source
    return np.flatnonzero(mask)


def _season_days(season: str, first_day: int, last_day: int) -> list[tuple[int, int]]:
    """The day ranges of a festival season that overlap [first_day, last_day]."""
    (start_month, start_dom), (end_month, end_dom) = SEASONS[season]
    first_year = date.fromordinal(EPOCH.toordinal() + first_day).year
    ranges = []
    for year in range(first_year, first_year + 3):
        start = max(local_day(date(year, start_month, start_dom)), first_day)
        end = min(local_day(date(year, end_month, end_dom)), last_day)
        if start <= end:
            ranges.append((start, end))
    return ranges


def _festival_days(
    rng: np.random.Generator, venues: Venues, festival_rows: np.ndarray, first: int, last: int
) -> dict[int, tuple[int, int]]:
    """For each festival, its first day and length (2 to 6 days), within its season if it can."""
    editions = {}
    for row in festival_rows.tolist():
        ranges = _season_days(venues.season[row], first, last) if venues.season[row] else []
        if not ranges:
            ranges = [(first, last)]
        lengths = np.array([end - start + 1 for start, end in ranges], dtype=float)
        start, end = ranges[int(rng.choice(len(ranges), p=lengths / lengths.sum()))]
        editions[row] = (int(rng.integers(start, end + 1)), int(rng.integers(2, 7)))
    return editions


def _prices(rng: np.random.Generator, kind: OfferKind, n: int) -> np.ndarray:
    """Prices in cents, log-uniform: round euros or .50 for events, .99 for online goods."""
    free_share, low, high = kind.price
    euros = np.exp(rng.uniform(np.log(low), np.log(high), n))
    if kind.digital_host:
        cents = np.maximum(np.floor(euros), 1) * 100 - 1
    else:
        cents = np.round(euros * 2) * 50
    cents[rng.random(n) < free_share] = 0
    return cents.astype(np.int64)


def _stocks(rng: np.random.Generator, kind: OfferKind, n: int) -> np.ndarray:
    if kind.stock is None:
        return np.full(n, -1, dtype=np.int64)
    low, high = kind.stock
    stock = np.round(np.exp(rng.uniform(np.log(low), np.log(high), n))).astype(np.int64)
    stock[rng.random(n) >= kind.limited_share] = -1
    return stock


def _pick(rng: np.random.Generator, options, n: int) -> list:
    return [options[i] for i in rng.integers(0, len(options), n)]


def _name_parts(rng: np.random.Generator, n: int, cities) -> list[dict[str, str]]:
    firsts, lasts = _pick(rng, words.FIRST_NAMES, n), _pick(rng, words.LAST_NAMES, n)
    fillers = _pick(rng, words.ARTIST_WORDS, n)
    return [
        {"first": first, "last": last, "word": word, "city": city}
        for first, last, word, city in zip(firsts, lasts, fillers, cities, strict=True)
    ]


TextMaker = Callable[..., tuple[list[str], list[str]]]


def _music_genre(subcategory: str) -> str:
    lowered = subcategory.lower()
    for keyword, genre in words.MUSIC_GENRES:
        if keyword in lowered:
            return genre
    return words.MUSIC_GENRE_DEFAULT


def film_appeal() -> np.ndarray:
    """Zipf weights over the films: a few hits draw most of the audience."""
    weights = 1.0 / np.arange(1, len(words.FILMS) + 1)
    return weights / weights.sum()


def _texts_screening(rng, venue_names, cities, venues, rows, n):
    films = [words.FILMS[i] for i in rng.choice(len(words.FILMS), size=n, p=film_appeal())]
    versions = _pick(rng, words.SCREENING_VERSIONS, n)
    titles = [film[0] for film in films]
    descriptions = [
        f"{title} ({year}), réalisé par {director}. Projection en {version} à {venue}, {city}."
        for (title, director, year), version, venue, city in zip(
            films, versions, venue_names, cities, strict=True
        )
    ]
    return titles, descriptions


def _texts_festival_screening(rng, venue_names, cities, venues, rows, n):
    programmes = _pick(rng, words.FESTIVAL_PROGRAMMES, n)
    titles = [
        f"{venue}: {programme}" for venue, programme in zip(venue_names, programmes, strict=True)
    ]
    descriptions = [
        f"{programme.capitalize()}, au programme du festival {venue} à {city}."
        for programme, venue, city in zip(programmes, venue_names, cities, strict=True)
    ]
    return titles, descriptions


def _texts_concert(rng, venue_names, cities, venues, rows, n):
    genres = [_music_genre(venues.subcategory[row]) for row in rows.tolist()]
    parts = _name_parts(rng, n, cities)
    formats = _pick(rng, words.CONCERT_FORMATS, n)
    artists = [
        words.ARTIST_PATTERNS[genre][int(i) % len(words.ARTIST_PATTERNS[genre])].format(**part)
        for genre, part, i in zip(genres, parts, rng.integers(0, 12, n), strict=True)
    ]
    titles = [f"{artist} {form}" for artist, form in zip(artists, formats, strict=True)]
    descriptions = [
        f"{words.GENRE_LABELS[genre]} à {venue}, {city} : {artist} sur scène."
        for genre, venue, city, artist in zip(genres, venue_names, cities, artists, strict=True)
    ]
    return titles, descriptions


def _texts_show(rng, venue_names, cities, venues, rows, n):
    parts = _name_parts(rng, n, cities)
    plays = _pick(rng, words.PLAYS, n)
    companies = _pick(rng, words.COMPANIES, n)
    titles, descriptions = [], []
    for row, part, (play, author), company, venue, city, coin in zip(
        rows.tolist(), parts, plays, companies, venue_names, cities, rng.random(n), strict=True
    ):
        company = company.format(**part)
        lowered = venues.subcategory[row].lower()
        style = next((s for s in words.SHOW_STYLES if s[0] in lowered), None)
        if style is None and coin < 0.6:
            titles.append(play)
            descriptions.append(f"{play}, de {author}, par la {company}, à {venue} ({city}).")
            continue
        style = style or words.SHOW_STYLES[int(coin * 1000) % len(words.SHOW_STYLES)]
        pattern = style[2][int(coin * 10_000) % len(style[2])]
        titles.append(pattern.format(**part))
        descriptions.append(f"{style[1]}, par la {company}, à {venue}, {city}.")
    return titles, descriptions


def _texts_visit(rng, venue_names, cities, venues, rows, n):
    titles = [f"Billet d'entrée : {venue}" for venue in venue_names]
    descriptions = [
        f"Visitez les collections permanentes du lieu {venue} à {city}, à votre rythme."
        for venue, city in zip(venue_names, cities, strict=True)
    ]
    return titles, descriptions


def _themed_texts(title: str, description: str, themes: tuple[str, ...]) -> TextMaker:
    """Texts of a venue offer on a theme drawn from `themes` ({theme}, {venue}, {city})."""

    def make(rng, venue_names, cities, venues, rows, n):
        picked = _pick(rng, themes, n)
        titles = [title.format(theme=theme) for theme in picked]
        descriptions = [
            description.format(theme=theme, venue=venue, city=city)
            for theme, venue, city in zip(picked, venue_names, cities, strict=True)
        ]
        return titles, descriptions

    return make


_texts_exhibition = _themed_texts(
    "Exposition : {theme}", "{theme} : une exposition temporaire à {venue}, {city}.",
    words.EXHIBITION_THEMES,
)  # fmt: skip
_texts_tour = _themed_texts(
    "Visite guidée : {theme}",
    "Un guide vous fait découvrir {theme} ({venue}, {city}). Petit groupe.",
    words.TOUR_THEMES,
)  # fmt: skip


def _texts_workshop(rng, venue_names, cities, venues, rows, n):
    techniques = _pick(rng, words.WORKSHOP_TECHNIQUES, n)
    audiences = _pick(rng, words.WORKSHOP_AUDIENCES, n)
    titles = [
        f"Atelier {technique.lower()} ({audience})"
        for technique, audience in zip(techniques, audiences, strict=True)
    ]
    descriptions = [
        f"{technique} avec un artiste, à {venue}, {city}. Matériel fourni."
        for technique, venue, city in zip(techniques, venue_names, cities, strict=True)
    ]
    return titles, descriptions


def _texts_book_event(rng, venue_names, cities, venues, rows, n):
    parts = _name_parts(rng, n, cities)
    books = _pick(rng, words.BOOKS, n)
    patterns = _pick(rng, words.BOOK_EVENTS, n)
    titles = [
        pattern.format(**part, festival=venue, book=book[0])
        for pattern, part, venue, book in zip(patterns, parts, venue_names, books, strict=True)
    ]
    descriptions = [
        f"Au programme de {venue} à {city} : lectures, dédicaces et rencontres avec des auteurs."
        for venue, city in zip(venue_names, cities, strict=True)
    ]
    return titles, descriptions


def _texts_talk(rng, venue_names, cities, venues, rows, n):
    topics = _pick(rng, words.TALK_TOPICS, n)
    parts = _name_parts(rng, n, cities)
    titles = [f"Conférence : {topic}" for topic in topics]
    descriptions = [
        f"{part['first']} {part['last']} parle de « {topic.lower()} » à {venue}, {city}, "
        "suivi d'un échange avec le public."
        for topic, part, venue, city in zip(topics, parts, venue_names, cities, strict=True)
    ]
    return titles, descriptions


def _texts_ebook(rng, n):
    books = _pick(rng, words.BOOKS, n)
    formats = _pick(rng, words.BOOK_FORMATS, n)
    titles = [f"{title} ({form})" for (title, _), form in zip(books, formats, strict=True)]
    descriptions = [
        f"{title}, de {author}, en {form}, à lire ou écouter sur tous vos appareils."
        for (title, author), form in zip(books, formats, strict=True)
    ]
    return titles, descriptions


def _texts_album(rng, n):
    parts = _name_parts(rng, n, [""] * n)
    albums = _pick(rng, words.ALBUM_WORDS, n)
    genres = _pick(rng, list(words.GENRE_LABELS.values()), n)
    titles = [
        f"{part['first']} {part['last']} — {album}" if i % 2 else f"{part['word']} — {album}"
        for part, album, i in zip(parts, albums, range(n), strict=True)
    ]
    descriptions = [
        f"Album ({genre.lower()}), à télécharger en qualité sans perte ou à écouter en streaming."
        for genre in genres
    ]
    return titles, descriptions


def _texts_film(rng, n):
    films = _pick(rng, words.FILMS, n)
    parts = _name_parts(rng, n, _pick(rng, ("Marseille", "Lille", "Brest", "Nantes"), n))
    series = _pick(rng, words.SERIES_WORDS, n)
    formats = _pick(rng, words.FILM_FORMATS, n)
    seasons = rng.integers(1, 5, n)
    titles, descriptions = [], []
    for (title, director, year), part, name, form, season, coin in zip(
        films, parts, series, formats, seasons, rng.random(n), strict=True
    ):
        if coin < 0.6:
            titles.append(f"{title} — {form}")
            descriptions.append(f"{title} ({year}), de {director}, à la demande : {form}.")
        else:
            name = name.format(**part)
            titles.append(f"{name}, saison {season}")
            descriptions.append(
                f"Tous les épisodes de la saison {season} de la série française {name}."
            )
    return titles, descriptions


def _texts_game(rng, n):
    parts = _name_parts(rng, n, _pick(rng, ("Lutèce", "Carcassonne", "Brocéliande", "Ys"), n))
    patterns = _pick(rng, words.GAME_PATTERNS, n)
    platforms = _pick(rng, words.GAME_PLATFORMS, n)
    titles = [pattern.format(**part) for pattern, part in zip(patterns, parts, strict=True)]
    descriptions = [
        f"Jeu vidéo d'un studio français indépendant, pour {platform} ; code de téléchargement."
        for platform in platforms
    ]
    return titles, descriptions


def _texts_press(rng, n):
    magazines = _pick(rng, words.MAGAZINES, n)
    formats = _pick(rng, words.PRESS_FORMATS, n)
    titles = [f"{magazine}: {form}" for magazine, form in zip(magazines, formats, strict=True)]
    descriptions = [
        f"{magazine}, le magazine culturel, à lire en ligne et dans l'application ({form})."
        for magazine, form in zip(magazines, formats, strict=True)
    ]
    return titles, descriptions


def _texts_instrument(rng, n):
    products = _pick(rng, words.INSTRUMENTS, n)
    titles = [product[0] for product in products]
    descriptions = [
        f"{name}, neuf, livré chez vous ou retiré en boutique. Garantie deux ans."
        for name, _, _ in products
    ]
    return titles, descriptions


VENUE_TEXTS: dict[str, TextMaker] = {
    "screening": _texts_screening,
    "festival-screening": _texts_festival_screening,
    "concert": _texts_concert,
    "show": _texts_show,
    "visit": _texts_visit,
    "exhibition": _texts_exhibition,
    "tour": _texts_tour,
    "workshop": _texts_workshop,
    "book-event": _texts_book_event,
    "talk": _texts_talk,
}
ONLINE_TEXTS: dict[str, TextMaker] = {
    "ebook": _texts_ebook,
    "album": _texts_album,
    "film": _texts_film,
    "game": _texts_game,
    "press": _texts_press,
    "instrument": _texts_instrument,
}


def _instrument_prices(rng: np.random.Generator, titles: list[str]) -> np.ndarray:
    ranges = {name: (low, high) for name, low, high in words.INSTRUMENTS}
    lows = np.array([ranges[title][0] for title in titles], dtype=float)
    highs = np.array([ranges[title][1] for title in titles], dtype=float)
    euros = np.floor(lows + rng.random(len(titles)) * (highs - lows))
    return (euros * 100 - 10).astype(np.int64)


def catalogue_generate(
    *,
    rng: np.random.Generator,
    venues: Venues,
    communes: Communes,
    offers: int,
    today: int,
    months: int,
    counts: np.ndarray | None = None,
    events_from: int | None = None,
) -> Catalogue:
    """`offers` offers dated from `months` months before day `today` to ~3 months after it.

    A live catalogue grows by a few offers a day: `counts` (offers per kind, in
    KINDS order, zeros allowed) replaces the spread of `offers` over kinds, and
    `events_from` moves the first day dated events may fall on (up to the
    horizon, UPCOMING_DAYS after `today`), so that a day's new events can be
    put at the horizon, where venues announce them.
    """
    first_day = today - round(months * 30.44)
    last_day = today + UPCOMING_DAYS
    events_first_day = first_day if events_from is None else min(events_from, last_day)
    attendance = venue_attendance(venues, communes)
    festival_rows = np.flatnonzero(venues.kind == "festival")
    editions = _festival_days(rng, venues, festival_rows, events_first_day, last_day)
    days = np.arange(events_first_day, last_day + 1)
    day_weights = EVENT_WEEKDAYS[weekday(days)]
    day_weights[days == today] = 0  # today's events would be half past, half upcoming
    day_weights /= day_weights.sum()

    parts: list[dict] = []
    per_kind = kind_counts(offers) if counts is None else np.asarray(counts, dtype=np.int64)
    for kind_index, (kind, count) in enumerate(zip(KINDS, per_kind, strict=True)):
        n = int(count)
        if n == 0:
            continue
        if kind.venues:
            candidates = venue_candidates(venues, kind.venues)
            weights = attendance[candidates]
            rows = candidates[rng.choice(len(candidates), size=n, p=weights / weights.sum())]
            names = venues.name[rows].tolist()
            titles, descriptions = VENUE_TEXTS[kind.name](
                rng, names, venues.city[rows].tolist(), venues, rows, n
            )
            descriptions = [
                f"{text} En savoir plus : {site}" if site else text
                for text, site in zip(descriptions, venues.website[rows].tolist(), strict=True)
            ]
            urls = [""] * n
        else:
            rows = np.full(n, -1, dtype=np.int64)
            titles, descriptions = ONLINE_TEXTS[kind.name](rng, n)
            urls = [
                f"https://{kind.digital_host}/{kind.name}s/{i:06d}"
                for i in rng.integers(0, 1_000_000, n)
            ]
        price = (
            _instrument_prices(rng, titles) if kind.name == "instrument" else _prices(rng, kind, n)
        )
        starts = np.full(n, NULL, dtype=np.int64)
        ends = np.full(n, NULL, dtype=np.int64)
        if kind.schedule == "event":
            event_days = days[rng.choice(len(days), size=n, p=day_weights)]
            at_festival = venues.kind[np.maximum(rows, 0)] == "festival"
            for i in np.flatnonzero(at_festival & (rows >= 0)).tolist():
                start_day, length = editions[int(rows[i])]
                event_days[i] = min(start_day + int(rng.integers(0, length)), last_day)
            event_days[event_days == today] += 1
            hours = np.array(kind.hours)[rng.integers(0, len(kind.hours), n)]
            starts = event_days * DAY + np.round(hours * HOUR).astype(np.int64)
            ends = starts + int(kind.duration_hours * HOUR)
            published = starts - rng.integers(15, 91, n) * DAY
        elif kind.schedule == "range":
            opening = rng.integers(first_day - 60, today + 60, n)
            starts = opening * DAY + 10 * HOUR
            ends = (opening + rng.integers(30, 151, n)) * DAY + 18 * HOUR
            published = starts - rng.integers(10, 46, n) * DAY
        else:
            published = rng.integers((first_day - 365) * DAY, today * DAY, n)
        # Nothing is published in the future; minutes are not that precise.
        published = np.minimum(published, (today - rng.integers(1, 4, n)) * DAY)
        published -= published % 60
        popularity = rng.lognormal(0.0, 1.0, n)
        stock = _stocks(rng, kind, n)
        if kind.name == "screening":
            # Big cinemas fill more seats per screening too (CNC admissions per
            # screen), hits more than the rest; art-house cinemas are cheaper.
            per_screen = venues.admissions[rows] / np.maximum(venues.screens[rows], 1)
            film_rank = {film[0]: rank for rank, film in enumerate(words.FILMS)}
            hits = film_appeal()[[film_rank[title] for title in titles]] * len(words.FILMS)
            popularity *= np.sqrt((per_screen + 1_000) / 20_000) * np.sqrt(hits)
            art_house_price = (np.round(price * 0.85 / 50) * 50).astype(np.int64)
            price = np.where(venues.art_house[rows], art_house_price, price)
            seats = venues.seats[rows] / np.maximum(venues.screens[rows], 1)
            stock = np.where(seats > 0, np.clip(np.round(seats), 40, 450), stock).astype(np.int64)
        parts.append(
            {
                "kind": np.full(n, kind_index, dtype=np.int64),
                "category": np.full(n, CATEGORY_INDEX[kind.category], dtype=np.int64),
                "venue": rows,
                "title": titles,
                "description": descriptions,
                "url": urls,
                "price_cents": price,
                "starts_at": starts,
                "ends_at": ends,
                "published_at": published,
                "stock": stock,
                "popularity": popularity,
            }
        )

    def joined(name: str):
        if isinstance(parts[0][name], list):
            return [value for part in parts for value in part[name]]
        return np.concatenate([part[name] for part in parts])

    if not parts:
        raise ValueError("No offer to generate: every kind's count is zero.")
    columns = {name: joined(name) for name in parts[0]}
    # Offer ids follow publication, as they would in a live catalogue.
    order = np.argsort(columns["published_at"], kind="stable")
    columns = {
        name: [values[i] for i in order] if isinstance(values, list) else values[order]
        for name, values in columns.items()
    }
    used_rows = np.unique(columns["venue"][columns["venue"] >= 0])
    venue_position = np.full(len(venues), -1, dtype=np.int64)
    venue_position[used_rows] = np.arange(len(used_rows))
    has_venue = columns["venue"] >= 0
    columns["venue"] = np.where(has_venue, venue_position[np.maximum(columns["venue"], 0)], -1)
    # A day's few new offers may all be online: no venue row to look up then (the
    # rows looked up stand for nothing, every offer is masked by `has_venue`).
    row = used_rows[np.maximum(columns["venue"], 0)] if len(used_rows) else columns["venue"] * 0
    return Catalogue(
        venue_rows=used_rows,
        latitude=np.where(has_venue, venues.latitude[row], np.nan),
        longitude=np.where(has_venue, venues.longitude[row], np.nan),
        **columns,
    )
