"""General MIDI names: the one place for instrument (program) and percussion (drum key) names.

Program numbers are 0-based (0 = Acoustic Grand Piano); ``-1`` is the scanner's code for drums.
Drum keys are MIDI note numbers on channel 10, 35..81 in the GM percussion key map.
"""

from __future__ import annotations

GM_PROGRAMS = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet", "Celesta", "Glockenspiel",
    "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells", "Dulcimer", "Drawbar Organ",
    "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion", "Harmonica",
    "Tango Accordion", "Nylon Guitar", "Steel Guitar", "Jazz Guitar", "Clean Guitar", "Muted Guitar",
    "Overdriven Guitar", "Distortion Guitar", "Guitar Harmonics", "Acoustic Bass", "Fingered Bass",
    "Picked Bass", "Fretless Bass", "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2",
    "Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings",
    "Orchestral Harp", "Timpani", "String Ensemble 1", "String Ensemble 2", "Synth Strings 1",
    "Synth Strings 2", "Choir Aahs", "Voice Oohs", "Synth Voice", "Orchestra Hit", "Trumpet",
    "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2", "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn",
    "Bassoon", "Clarinet", "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi",
    "Whistle", "Ocarina", "Square Lead", "Sawtooth Lead", "Calliope Lead", "Chiff Lead",
    "Charang Lead", "Voice Lead", "Fifths Lead", "Bass + Lead", "New Age Pad", "Warm Pad",
    "Polysynth Pad", "Choir Pad", "Bowed Pad", "Metallic Pad", "Halo Pad", "Sweep Pad", "Rain",
    "Soundtrack", "Crystal", "Atmosphere", "Brightness", "Goblins", "Echoes", "Sci-fi", "Sitar",
    "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai", "Tinkle Bell", "Agogo",
    "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter",
    "Applause", "Gunshot",
)

GM_FAMILIES = (
    "Piano", "Chromatic Percussion", "Organ", "Guitar", "Bass", "Strings", "Ensemble", "Brass",
    "Reed", "Pipe", "Synth Lead", "Synth Pad", "Synth Effects", "Ethnic", "Percussive",
    "Sound Effects",
)  # eight programs each

GM_DRUMS = (
    "Acoustic Bass Drum", "Bass Drum 1", "Side Stick", "Acoustic Snare", "Hand Clap", "Electric Snare",
    "Low Floor Tom", "Closed Hi-Hat", "High Floor Tom", "Pedal Hi-Hat", "Low Tom", "Open Hi-Hat",
    "Low-Mid Tom", "Hi-Mid Tom", "Crash Cymbal 1", "High Tom", "Ride Cymbal 1", "Chinese Cymbal",
    "Ride Bell", "Tambourine", "Splash Cymbal", "Cowbell", "Crash Cymbal 2", "Vibraslap", "Ride Cymbal 2",
    "Hi Bongo", "Low Bongo", "Mute Hi Conga", "Open Hi Conga", "Low Conga", "High Timbale", "Low Timbale",
    "High Agogo", "Low Agogo", "Cabasa", "Maracas", "Short Whistle", "Long Whistle", "Short Guiro",
    "Long Guiro", "Claves", "Hi Wood Block", "Low Wood Block", "Mute Cuica", "Open Cuica", "Mute Triangle",
    "Open Triangle",
)  # GM percussion key map, keys 35..81
FIRST_DRUM = 35

PIANO_PROGRAMS = range(0, 8)
KEYBOARD_PROGRAMS = frozenset([*range(0, 8), *range(16, 21)])  # pianos, harpsichord, clavinet, organs
CYMBALS = frozenset({42, 44, 46, 49, 51, 52, 53, 55, 57, 59})  # x noteheads


def _number(program: int | str) -> int | None:
    try:
        return int(program)
    except (TypeError, ValueError):
        return None


def program_name(program: int | str) -> str:
    """``-1`` (the scanner's drums) -> "Drums"; 0..127 -> the GM name; anything else as text."""
    number = _number(program)
    if number is None:
        return str(program)
    if number < 0:
        return "Drums"
    return GM_PROGRAMS[number] if number < 128 else str(program)


def family_name(program: int | str) -> str:
    """The GM instrument family ("Piano", "Strings", ...); "Drums" for -1; "" when unknown."""
    number = _number(program)
    if number is None or number >= 128:
        return ""
    return "Drums" if number < 0 else GM_FAMILIES[number // 8]


def drum_name(pitch: int) -> str:
    """The GM percussion sound on key ``pitch`` (35..81); "Drum N" for keys outside the map."""
    return GM_DRUMS[pitch - FIRST_DRUM] if FIRST_DRUM <= pitch < FIRST_DRUM + len(GM_DRUMS) else f"Drum {pitch}"


def is_keyboard(program: int) -> bool:
    """Pianos, harpsichord, clavinet and organs: instruments written on a grand staff."""
    return program in KEYBOARD_PROGRAMS


# GS/GM2 drum kits: the preset number on the percussion bank (a drum track's program) -> kit name.
# Program 0 (the Standard kit, and what most files and every take use) is plain "Drums".
DRUM_KITS = {8: "Room Kit", 16: "Power Kit", 24: "Electronic Kit", 25: "TR-808 Kit", 32: "Jazz Kit",
             40: "Brush Kit", 48: "Orchestra Kit", 56: "SFX Kit"}
MAX_OWN_NAME = 40


def _own_name(name: str) -> str:
    """A file's track name made presentable: printable, one line, whitespace collapsed, capped."""
    text = "".join(c if c.isprintable() else " " for c in str(name or ""))
    text = " ".join(text.split())
    return text[:MAX_OWN_NAME].rstrip()


def _sound_name(index: int, track) -> str:
    if track.is_drum:
        return DRUM_KITS.get(int(track.program), "Drums")
    number = _number(track.program)
    if number is not None and 0 <= number < 128:
        return GM_PROGRAMS[number]
    return _own_name(getattr(track, "name", "")) or f"Track {index + 1}"


def track_names(score) -> list[str]:
    """One display name per track of ``score``, unique within it (stems, the mixer, file names).

    The name says what the track sounds like, since that is what a musician hears and picks in
    a mixer: the GM instrument ("Fingered Bass"), "Drums" for a drum track (or the kit, "Jazz
    Kit", when the track asks for a GS kit other than Standard). A file's own track name
    ("Melody", "Track 3", often a copyright line) is used only when the program is not a GM one;
    "Track N" when there is nothing else. Tracks that share a name are numbered in track order
    ("Violin 1", "Violin 2"); a name that is already unique stays bare."""
    tracks = list(getattr(score, "tracks", score))
    base = [_sound_name(i, t) for i, t in enumerate(tracks)]
    counts: dict[str, int] = {}
    for name in base:
        counts[name] = counts.get(name, 0) + 1
    taken = {name for name in base if counts[name] == 1}
    seen: dict[str, int] = {}
    names = []
    for name in base:
        if counts[name] == 1:
            names.append(name)
            continue
        n = seen.get(name, 0)
        while True:  # never collide with another track's bare name ("Violin 2" named so in the file)
            n += 1
            candidate = f"{name} {n}"
            if candidate not in taken:
                break
        seen[name] = n
        taken.add(candidate)
        names.append(candidate)
    return names
