"""The documents: the Art. 3 form of one record and the Art. 7 quarterly summary.

Built from plain values loaded by ``reports.facts`` and written as PDF, DOCX, XLSX and PNG
in a worker thread; the words come from ``reports/locale``. Sits below ``handlers`` and
above ``reminders`` and ``storage`` (import-linter layers).
"""
