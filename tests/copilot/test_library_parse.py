from pathlib import Path

import pytest

from copilot.library import UnreadableDocument, parse_file


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with text, written by hand so the test needs no PDF writer."""
    text = " ".join(f"({line}) Tj T*" for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class TestParse:
    def test_it_reads_markdown_front_matter_and_heading_locations(self, tmp_path):
        path = tmp_path / "sops" / "jam.md"
        path.parent.mkdir()
        path.write_text(
            "---\ntitle: Clearing jams\nwork_center: PRS-400\n---\n# Ignored H1\n## Clearing a jam\n1. Stop the press.\n2. Lock out.\n"
        )
        doc = parse_file(path)
        assert doc.title == "Clearing jams"
        assert doc.meta["work_center"] == "PRS-400" and doc.meta["type"] == "sop"  # type from the folder
        assert doc.passages[0].location == "Clearing a jam"
        assert "Stop the press." in doc.passages[0].text and "Lock out." in doc.passages[0].text

    def test_it_reads_html_text_and_meta_but_never_scripts(self, tmp_path):
        path = tmp_path / "guide.html"
        path.write_text(
            '<html><head><title>Bore guide</title><meta name="copilot:type" content="troubleshooting">'
            "<script>steal()</script></head><body><h2>Chatter</h2><p>Change the insert &amp; torque it.</p></body></html>"
        )
        doc = parse_file(path)
        assert doc.title == "Bore guide" and doc.meta["type"] == "troubleshooting"
        assert doc.passages[0].location == "Chatter"
        assert doc.passages[0].text == "Change the insert & torque it."
        assert "steal" not in doc.text

    def test_it_splits_text_logs_at_entry_headings(self, tmp_path):
        path = tmp_path / "maintenance" / "log.txt"
        path.parent.mkdir()
        path.write_text("== 2026-11-01 Pilot ==\nPilot replaced.\n\n== 2026-11-02 Pads ==\nPads replaced.\n")
        doc = parse_file(path)
        assert [(p.location, p.text) for p in doc.passages] == [
            ("2026-11-01 Pilot", "Pilot replaced."),
            ("2026-11-02 Pads", "Pads replaced."),
        ]
        assert doc.meta["type"] == "maintenance"

    def test_it_reads_pdf_pages(self, tmp_path):
        path = tmp_path / "calibration.pdf"
        path.write_bytes(tiny_pdf(["Leak tester calibration is monthly.", "Use leak standard CLS-2."]))
        doc = parse_file(path)
        assert doc.passages[0].location == "page 1"
        assert "Leak tester calibration is monthly." in doc.text

    def test_it_splits_long_sections_into_passages_of_bounded_size(self, tmp_path):
        path = tmp_path / "long.md"
        path.write_text("## Long\n" + " ".join(f"Sentence number {n} about the press." for n in range(80)))
        doc = parse_file(path)
        assert len(doc.passages) > 1
        assert all(len(p.text.split()) <= 110 for p in doc.passages)

    @pytest.mark.parametrize(
        ("name", "data", "message"),
        [
            ("photo.jpg", b"\xff\xd8", "unsupported file type"),
            ("empty.md", b"   \n", "no text found"),
            ("latin.txt", "Temperatur 20 °C".encode("latin-1"), "not UTF-8"),
            ("broken.pdf", b"%PDF-1.4 nonsense", "could not be read"),
        ],
    )
    def test_it_explains_a_file_it_cannot_read(self, tmp_path, name, data, message):
        path = Path(tmp_path / name)
        path.write_bytes(data)
        with pytest.raises(UnreadableDocument, match=message):
            parse_file(path)
