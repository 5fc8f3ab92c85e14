"""Static files as served: hashed names and pre-compressed copies (WhiteNoise)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        # A page rendered before the files were collected (a live event published by a
        # command or a benchmark, before `serve` collected them) links the file's plain name
        # instead of failing; `serve` and `demo` collect the files before any page is served.
        try:
            return super().stored_name(name)
        except ValueError:
            return name
