#!/usr/bin/env python3
"""Average sentence length (words) per content page, the measure the closing note reports.

Counts the prose of the Markdown body: front matter, code, HTML comments, citation
brackets [@...] and link targets are removed; headings are left out; list items and
table cells each end a sentence. Usage: sentences.py FILE... (prints words/sentences per file)."""
import re, sys

def prose(text):
    text = re.sub(r'\A(---|\+\+\+)\n.*?\n\1\n', '', text, flags=re.S)
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    text = re.sub(r'<!--.*?-->', '', text, flags=re.S)
    # citation brackets (quotes may hold ] and ;)
    text = re.sub(r'\[@(?:[^\]"“”]|"[^"]*"|“[^”]*”)*\]', '', text)
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', text)
    return text

def sentences(text):
    out = []
    for line in prose(text).split('\n\n'):
        block = line.strip()
        if not block:
            continue
        for part in re.split(r'\n(?=\s*(?:[-*+]|\d+\.|#|\|))', block):
            if part.lstrip().startswith('#') or re.fullmatch(r'[\s|:-]*', part):
                continue  # headings are titles, not sentences; table rules are not text
            part = re.sub(r'^\s*(?:[-*+]|\d+\.|#+|\|)\s*', '', part).replace('|', ' . ')
            for s in re.split(r'(?<=[.!?])["”’)]*\s+(?=["“‘(]?[A-Z0-9])', part):
                words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'’.,%-]*", s)
                if words:
                    out.append(len(words))
    return out

if __name__ == '__main__':
    for f in sys.argv[1:]:
        s = sentences(open(f, encoding='utf-8').read())
        avg = sum(s) / len(s) if s else 0
        long = sum(1 for n in s if n > 30)
        print(f"{avg:5.1f} words/sentence  {len(s):4d} sentences  {long:3d} over 30  {f}")
