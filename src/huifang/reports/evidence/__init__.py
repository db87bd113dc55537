"""证据包 (evidence package): everything an inspector asks about a customer, a batch, or a
branch over a period, in one xlsx workbook with a sheet per section, plus a zip with the
attachments and their SHA-256 manifest.

- :mod:`.scope` — what the package covers (and the Chinese errors of a bad request);
- :mod:`.sections` — the sections, one function each, in :data:`.sections.SECTIONS`;
- :mod:`.attachments` — the files and recording references, the manifest and the zip;
- :mod:`.package` — the service :func:`.package.do_generate_evidence` writing both files
  and the audit row.
"""
