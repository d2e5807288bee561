"""One family of domain errors. The CLI turns them into one-line messages (exit 2);
the window shows them in a dialog."""


class JukeboxError(Exception):
    """Base of every error the core raises on purpose. The message is meant for a user."""


class CorpusError(JukeboxError):
    """A folder or file could not be used as a corpus."""


class TokenizerError(JukeboxError):
    """A tokenizer config or vocabulary is invalid or incompatible."""


class BundleError(JukeboxError):
    """A model bundle is missing, corrupt, unsafe or incompatible."""


class TrainingError(JukeboxError):
    """Training could not start or continue."""


class GenerationError(JukeboxError):
    """A take could not be generated."""


class RenderError(JukeboxError):
    """Audio could not be rendered (FluidSynth or SoundFont missing, bad input)."""


class ExportError(JukeboxError):
    """A file could not be exported or written."""


class Cancelled(JukeboxError):
    """A long job was cancelled by the user."""
