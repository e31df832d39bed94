"""The mail-test server itself: a message with an attachment sent through Django's SMTP backend
arrives parsed, attachment and all."""

from __future__ import annotations

from django.core.mail import EmailMessage


def test_a_message_with_an_attachment_arrives_parsed(smtp_server):
    message = EmailMessage("Quarterly review", "See the attached pack.", "rapport@localhost",
                           ["buyer@example.com"])  # fmt: skip
    message.attach("pack.pdf", b"%PDF-1.7 test", "application/pdf")
    message.send()
    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "Quarterly review"
    assert received["X-Envelope-To"] == "buyer@example.com"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "pack.pdf"
    assert attachment.get_content() == b"%PDF-1.7 test"
