"""Attachments: files people upload (receipts, leave certificates, visit photos), checked by
content, kept once per content hash under the data directory, and a row per upload saying
who uploaded it and what it is attached to."""
