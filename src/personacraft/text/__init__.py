"""Text: redaction of personal data, and pain points mined from what customers write."""
