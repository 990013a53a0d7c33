"""Invented names for the demo library: artists, songs, albums, genre labels and Spotify-shaped ids.

Names are word combinations drawn with the caller's numpy Generator, so the same seed always gives
the same names. Ids are 22 base62 characters like Spotify's, but start with ``DEMO_ID_PREFIX`` so a
demo id is recognisable at a glance (`is_demo_id`) and never sent to Spotify.
"""

from __future__ import annotations

import hashlib

import numpy as np

DEMO_ID_PREFIX = "0dem0"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

ADJECTIVES = (
    "Amber Broken Silver Golden Velvet Electric Quiet Restless Neon Wild Hollow Paper Crystal Midnight "
    "Lonely Northern Burning Faded Secret Endless Gentle Crimson Lucky Honest Static Copper Sunday Hazy "
    "Distant Bright Frozen Lazy Lost Rusty Sweet Savage Wandering Cosmic Lucid Tender Violet Heavy Drifting "
    "Stray Fading Little Silent Satin Marble Scarlet Ivory Glass Rolling Shallow Sleepless Easy Loud").split()
NOUNS = (
    "Harbour Highway River Lantern Window Garden Mirror Engine Signal Horizon Shadow Thunder Ocean Letter "
    "Satellite Diamond Compass Rocket Meadow Echo Canyon Ember Feather Island Arrow Forest Orchard Radio "
    "Heart Summer Winter Avenue Stranger Machine Wolf Raven Tiger Falcon Comet Planet Desert Tide Bridge "
    "Motel Parade Carousel Lighthouse Station Cathedral Valley Mountain Lake Fire Storm Rain Dream Ghost "
    "Pilot Sailor Dancer Prophet Saint Rebel Outlaw Circus Kingdom Empire Velvet Smoke Wire Static").split()
VERBS = ("Chase Hold Burn Carry Follow Break Find Call Keep Leave Light Meet Move Run Save Shake Take Turn "
         "Wake Fall Drive Dance Dream Fly Ride Sing Stay Walk Wait Wonder").split()
FIRST_NAMES = ("Maya Jonah Elise Marcus Nora Felix Ada Theo Iris Silas Lena Otis June Caleb Rosa Arlo Mae "
               "Dante Cleo Hugo Ivy Reuben Tessa Abel Willa Malik Zora Ezra Nina Amos Hazel Jasper Lola "
               "Miles Della Quincy Vera Roland Esme Corey").split()
SURNAMES = ("Ellison Hart Calloway Reyes Whitaker Mercer Fontaine Okafor Lindqvist Barrow Delacroix Hayes "
            "Marlowe Finch Castillo Sato Brennan Vance Holloway Quinn Adeyemi Navarro Sterling Kowalski Moreau "
            "Pryce Abernathy Larkin Oduya Winslow Carrow Petrov Lowell Ashby Devereux").split()
NOMBRES = "Camila Mateo Valentina Santiago Lucia Diego Daniela Nicolas Sofia Alejandro Paula Emilio Renata".split()
APELLIDOS = "Rivera Ortega Salazar Montoya Vargas Herrera Fuentes Cabrera Delgado Paredes Mendoza Soto".split()
PALABRAS = ("Noche Fuego Corazon Luna Calle Verano Playa Ritmo Sol Cielo Deseo Locura Sombra Estrella Mar "
            "Baile Fiesta Amor Secreto Veneno").split()
ADJETIVOS = "Loca Nueva Bonita Salvaje Caliente Lenta Dulce Eterna Perdida Oscura".split()

TITLE_SUFFIXES = {"band": ("- Live", "- Single Version", "- Demo"),
                  "producer": ("- Extended Mix", "- Radio Edit", "- VIP Mix"),
                  "rapper": ("- Remix",), "singer": ("- Acoustic", "- Radio Edit"), "latin": ("- Remix",)}


def _pick(rng: np.random.Generator, words: tuple[str, ...] | list[str]) -> str:
    return words[int(rng.integers(len(words)))]


def artist_name(rng: np.random.Generator, style: str) -> str:
    """One invented artist name in a naming style: band, singer, rapper, producer or latin."""
    roll = rng.random()
    if style == "band":
        if roll < 0.45:
            return f"The {_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}s"
        first = _pick(rng, ADJECTIVES) if roll < 0.8 else _pick(rng, NOUNS)
        return f"{first} {_pick(rng, NOUNS)}"
    if style == "rapper":
        prefix = _pick(rng, ("Lil", "Young", "Big", "MC", "Kid", "Yung"))
        return f"{prefix} {_pick(rng, NOUNS)}" if roll < 0.7 else f"{_pick(rng, FIRST_NAMES)} {_pick(rng, NOUNS)}"
    if style == "producer":
        if roll < 0.4:
            return (_pick(rng, NOUNS) + _pick(rng, NOUNS).lower())
        return f"DJ {_pick(rng, NOUNS)}" if roll < 0.6 else f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}"
    if style == "latin":
        if roll < 0.7:
            return f"{_pick(rng, NOMBRES)} {_pick(rng, APELLIDOS)}"
        return f"Los {_pick(rng, PALABRAS)}s" if roll < 0.85 else f"DJ {_pick(rng, PALABRAS)}"
    return f"{_pick(rng, FIRST_NAMES)} {_pick(rng, SURNAMES)}" if roll < 0.85 else _pick(rng, FIRST_NAMES)


CROWDED = 5_000
"""Names taken beyond which few draws are tried before numbering: a scaled demo's tens of
thousands of artists have used up most word combinations, and retrying cost more than it bought."""


def unique_artist_name(rng: np.random.Generator, style: str, taken: set[str]) -> str:
    """An artist name not yet in ``taken`` (which it extends); a number breaks the rare stubborn tie."""
    for _ in range(50 if len(taken) < CROWDED else 3):
        name = artist_name(rng, style)
        if name not in taken:
            taken.add(name)
            return name
    name = f"{artist_name(rng, style)} {len(taken)}"
    taken.add(name)
    return name


def song_title(rng: np.random.Generator, style: str, year: int) -> str:
    """An invented song title; now and then with a Spotify-style suffix (``- Remastered 2011``)."""
    if style == "latin":
        title = (f"{_pick(rng, PALABRAS)} {_pick(rng, ADJETIVOS)}" if rng.random() < 0.6
                 else f"{_pick(rng, VERBS)} Contigo")
    else:
        roll = rng.random()
        if roll < 0.35:
            title = f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}"
        elif roll < 0.6:
            title = f"{_pick(rng, NOUNS)} {_pick(rng, NOUNS)}"
        elif roll < 0.85:
            title = f"{_pick(rng, VERBS)} the {_pick(rng, NOUNS)}"
        else:
            title = _pick(rng, ADJECTIVES)
    if rng.random() < 0.06:
        if year < 1995 and rng.random() < 0.6:
            return f"{title} - Remastered {int(rng.integers(2001, 2020))}"
        title = f"{title} {_pick(rng, TITLE_SUFFIXES[style])}"
    return title


def album_title(rng: np.random.Generator) -> str:
    roll = rng.random()
    if roll < 0.4:
        return f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}s"
    return _pick(rng, NOUNS) if roll < 0.7 else f"{_pick(rng, NOUNS)} & {_pick(rng, NOUNS)}"


def demo_id(seed: int, kind: str, number: int) -> str:
    """A 22-character base62 id from a hash of (seed, kind, number), starting with `DEMO_ID_PREFIX`."""
    digest = hashlib.sha256(f"playlist-enhancer-demo:{seed}:{kind}:{number}".encode()).digest()
    value = int.from_bytes(digest, "big")
    chars = []
    for _ in range(22 - len(DEMO_ID_PREFIX)):
        value, digit = divmod(value, 62)
        chars.append(BASE62[digit])
    return DEMO_ID_PREFIX + "".join(chars)


def is_demo_id(track_or_playlist_id: str) -> bool:
    """True for ids made by `demo_id` (the demo library's invented tracks and playlists)."""
    return len(track_or_playlist_id) == 22 and track_or_playlist_id.startswith(DEMO_ID_PREFIX)


# Genre labels per vibe (the first is the vibe's own) and how its artists are named.
VIBE_IDENTITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "album rock": ("band", ("album rock", "classic rock", "soft rock", "heartland rock", "blues rock")),
    "classic rock": ("band", ("classic rock", "rock", "hard rock", "southern rock", "blues rock")),
    "hard rock": ("band", ("hard rock", "glam metal", "rock", "arena rock", "stoner rock")),
    "permanent wave": ("band", ("permanent wave", "alternative rock", "post-punk", "new wave", "britpop")),
    "90s alternative": ("band", ("grunge", "alternative rock", "post-grunge", "seattle sound", "indie rock")),
    "80s synthpop": ("band", ("synthpop", "new wave", "new romantic", "dance rock", "electropop")),
    "classic soul": ("singer", ("classic soul", "motown", "southern soul", "funk", "quiet storm")),
    "acoustic": ("singer", ("acoustic pop", "singer-songwriter", "indie folk", "folk-pop", "chamber pop")),
    "lo-fi instrumental": ("producer", ("lo-fi beats", "chillhop", "jazz rap", "ambient", "downtempo")),
    "indie poptimism": ("band", ("indie pop", "indie poptimism", "bedroom pop", "dream pop", "indietronica")),
    "electropop": ("singer", ("electropop", "synth-pop", "alt z", "dance pop", "indie electropop")),
    "dance pop": ("singer", ("dance pop", "pop", "post-teen pop", "europop", "electropop")),
    "post-teen pop": ("singer", ("post-teen pop", "pop", "teen pop", "boy band", "dance pop")),
    "big room": ("producer", ("big room", "edm", "electro house", "festival house", "progressive house")),
    "electro house": ("producer", ("electro house", "edm", "complextro", "bass house", "fidget house")),
    "pop edm": ("producer", ("pop edm", "edm", "tropical house", "future bass", "pop dance")),
    "progressive electro house": ("producer", ("progressive electro house", "progressive house", "edm",
                                               "melodic house", "trance")),
    "gangster rap": ("rapper", ("gangster rap", "west coast rap", "hip hop", "g funk", "east coast hip hop")),
    "hip hop": ("rapper", ("hip hop", "rap", "conscious hip hop", "boom bap", "alternative hip hop")),
    "southern hip hop": ("rapper", ("southern hip hop", "dirty south rap", "crunk", "atl hip hop", "houston rap")),
    "trap": ("rapper", ("trap", "rap", "melodic rap", "atl trap", "drill")),
    "hip pop": ("singer", ("hip pop", "r&b", "pop rap", "urban contemporary", "contemporary r&b")),
    "neo soul": ("singer", ("neo soul", "r&b", "alternative r&b", "soul", "indie soul")),
    "new jack swing": ("singer", ("new jack swing", "r&b", "quiet storm", "90s r&b", "funk")),
    "urban contemporary": ("singer", ("urban contemporary", "r&b", "contemporary r&b", "pop r&b", "quiet storm")),
    "latin pop": ("latin", ("latin pop", "latin", "pop latino", "latin ballad", "tropical pop")),
    "latin hip hop": ("latin", ("latin hip hop", "trap latino", "latin", "rap latina", "urbano latino")),
    "reggaeton": ("latin", ("reggaeton", "latin", "trap latino", "urbano latino", "dembow")),
    "tropical": ("latin", ("tropical", "tropical house", "latin pop", "moombahton", "dancehall")),
}


def artist_genres(rng: np.random.Generator, vibe: str) -> tuple[str, ...]:
    """One to three genre labels: the vibe's own first, then up to two of its neighbours."""
    own, *neighbours = VIBE_IDENTITIES[vibe][1]
    extra = int(rng.choice(3, p=(0.3, 0.45, 0.25)))
    picked = rng.choice(len(neighbours), size=extra, replace=False)
    return (own, *(neighbours[int(i)] for i in sorted(picked)))
