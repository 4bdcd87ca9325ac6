"""Build pii_labelled.jsonl from the hand-written markup in pii_labelled.txt.

Run from the repository root: `python benchmarks/data/make_pii_labelled.py`. Each output line is
{"id", "split", "text", "spans": [{"type", "start", "end", "text"}]}; offsets are characters of
`text`. The split is fixed by a hash of the line, so adding lines never moves old ones: about a
third is "test", held out while the detector was tuned on "dev" (docs/pii.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

HERE = Path(__file__).parent
TYPES = {
    "ni": "national_insurance_number",
    "nhs": "nhs_number",
    "postcode": "postcode",
    "phone": "phone_number",
    "sort": "sort_code",
    "account": "bank_account",
    "card": "credit_card",
    "expiry": "card_expiry",
    "cvv": "cvv",
    "dob": "date_of_birth",
    "email": "email",
    "licence": "driving_licence",
}
MARK = re.compile(r"\{\{(\w+)\|(.+?)\}\}", re.DOTALL)


def parse(line: str) -> tuple[str, list[dict[str, object]]]:
    text, spans, cursor = "", [], 0
    for match in MARK.finditer(line):
        text += line[cursor : match.start()]
        value = match.group(2)
        spans.append(
            {"type": TYPES[match.group(1)], "start": len(text), "end": len(text) + len(value)}
        )
        text += value
        cursor = match.end()
    text += line[cursor:]
    for span in spans:
        span["text"] = text[span["start"] : span["end"]]  # type: ignore[misc]
    return text, spans


def main() -> None:
    rows = []
    for raw in (HERE / "pii_labelled.txt").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        line = raw.replace("\\n", "\n")
        if "{{" in MARK.sub("", line) or "}}" in MARK.sub("", line):
            raise SystemExit(f"unbalanced markup: {raw}")
        text, spans = parse(line)
        digest = int(hashlib.sha256(raw.encode()).hexdigest(), 16)
        split = "test" if digest % 3 == 0 else "dev"
        rows.append({"id": f"L{len(rows) + 1:04d}", "split": split, "text": text, "spans": spans})
    out = HERE / "pii_labelled.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    by_split = {s: sum(r["split"] == s for r in rows) for s in ("dev", "test")}
    print(f"{len(rows)} lines ({by_split}) -> {out}")


if __name__ == "__main__":
    main()
