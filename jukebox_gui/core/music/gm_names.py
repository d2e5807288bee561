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
