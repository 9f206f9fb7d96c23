"""Named exceptions raised by plansearch.

Every error a user can trigger with bad input derives from :class:`PlanSearchError`,
so callers can catch one type. Messages say what went wrong *and what to do*.
"""

from __future__ import annotations


class PlanSearchError(Exception):
    """Base class of every error plansearch raises on purpose."""


class InputError(PlanSearchError, ValueError):
    """The input document or text cannot be used (empty, binary, undecodable, too large)."""


class EmptyDocumentError(InputError):
    """The document has no usable text (empty file, or only whitespace/markup)."""


class BinaryFileError(InputError):
    """The file looks binary (an image, archive or executable), not a text plan."""


class EncodingError(InputError):
    """The bytes could not be decoded as UTF-8, UTF-16 or Thai TIS-620/cp874."""


class DocumentTooLargeError(InputError):
    """The document is larger than the configured limit (``max_bytes``)."""


class UnsupportedFormatError(InputError):
    """The file type is not supported (or its optional reader is not installed)."""


class ModelError(PlanSearchError):
    """The embedding model could not be built, found or loaded."""


class IndexLoadError(PlanSearchError):
    """Base class for problems loading or saving an index directory."""


class IndexFormatError(IndexLoadError):
    """The index directory was written by a newer/unknown format version."""


class IndexCorruptedError(IndexLoadError):
    """A file of the index is missing or its checksum does not match the manifest."""


class EmbedderMismatchError(IndexLoadError):
    """The index was built with a different embedding model than the one supplied."""


class ReferenceFormatError(PlanSearchError, ValueError):
    """A reference framework file is malformed; the message names the line or field."""


class UnknownReferenceError(PlanSearchError, KeyError):
    """No built-in reference framework has that name."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else "unknown reference"


class SectionRecordError(InputError):
    """A line of a sections JSONL file is not a valid section record (names file:line)."""


class ReportError(PlanSearchError):
    """A report (HTML, Excel, CSV or PNG heatmap) could not be drawn or written."""


class ClusterError(PlanSearchError):
    """A distributed build could not reach its cluster, or a shard kept failing.

    The message says which, and that rerunning resumes from the finished shards.
    """


class EncryptedDocumentError(InputError):
    """The PDF is password-protected; remove the password (or print to a new PDF) first."""


class ScannedDocumentError(EmptyDocumentError):
    """The PDF has no text layer (a scan); run OCR first (``ocrmypdf -l tha``), or parse
    with ``ocr=True`` (CLI: ``--ocr``) where Tesseract with Thai data is installed."""


class DamagedDocumentError(InputError):
    """The file claims a format (PDF, DOCX) but its content is damaged or something else."""


class AdapterError(ModelError):
    """A domain adapter file is missing, damaged, or made for another model."""


class VectorStoreError(PlanSearchError):
    """The shared vector database (Milvus) cannot be reached, opened or written:
    a malformed or unreachable URI, a missing ``pymilvus``, or a failed call."""


class IndexNotFoundError(IndexLoadError):
    """No index of that name exists in the vector database (build it first)."""


class UnsafeDocumentError(DocumentTooLargeError):
    """The file would expand past a safety limit when opened: a compressed (ZIP-based)
    document whose members inflate too far or too steeply, with too many members or XML
    elements, nested archives, or XML entity declarations (the "billion laughs").
    Refused before it is opened (:mod:`plansearch.limits`)."""


class TooManyPagesError(DocumentTooLargeError):
    """The PDF has more pages than the configured limit (``PLANSEARCH_MAX_PAGES``)."""


class ParseLimitError(DocumentTooLargeError):
    """Parsing the document in its worker process ran past a memory or time limit
    (:mod:`plansearch.isolation`)."""


class ParseMemoryError(ParseLimitError):
    """The parse worker needed more memory than its limit."""


class ParseTimeoutError(ParseLimitError):
    """The parse worker ran longer than its wall-clock or CPU-time limit."""


class ParseWorkerError(PlanSearchError):
    """The parse worker stopped unexpectedly (crashed or returned something unusable)."""


class ParseCancelledError(PlanSearchError):
    """The parse was cancelled (e.g. the client went away) and its worker was stopped."""


class ModelIntegrityError(ModelError):
    """A model or adapter file differs from the one pinned in the code or recorded when
    it was converted/exported: swapped, damaged or from another version. The message
    names the file and what to do (usually: delete a cache folder and run again)."""
