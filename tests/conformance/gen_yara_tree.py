#!/usr/bin/env python3
"""gen_yara_tree.py - builds a tree of files that make public YARA rules fire.

Why: a parity check between vigil and yara is only meaningful on files that
match. For each rule of the given rule files this writes a file carrying the
rule's plain and hex strings (wide ones UTF-16LE encoded) after the magic
bytes its condition checks for (MZ, ELF), plus near-miss and padding
variants. The files carry rule strings only: no code, nothing executable.

usage: gen_yara_tree.py OUTDIR RULEFILE...
"""
import os
import re
import sys

STR_RE = re.compile(r'^\s*(\$\w*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(.*)$')
HEX_RE = re.compile(r'^\s*(\$\w*)\s*=\s*\{([^}]*)\}')
RULE_RE = re.compile(r'^\s*(?:(?:private|global)\s+)*rule\s+(\w+)')


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            if n == 'x' and i + 3 < len(s):
                try:
                    out.append(int(s[i + 2:i + 4], 16))
                    i += 4
                    continue
                except ValueError:
                    pass
            out += {'n': b'\n', 't': b'\t', 'r': b'\r', '\\': b'\\', '"': b'"'}.get(n, n.encode())
            i += 2
            continue
        out += c.encode('utf-8')
        i += 1
    return bytes(out)


def hex_bytes(body):
    body = re.sub(r'//.*', '', body)
    body = re.sub(r'\[[^\]]*\]', ' 00 ', body)          # jumps -> one byte
    body = re.sub(r'\(([^|()]*)\|[^()]*\)', r'\1', body)  # first alternative
    out = bytearray()
    for tok in re.findall(r'[0-9A-Fa-f?~]{2}', body.replace('~', '')):
        tok = tok.replace('?', '0')
        out.append(int(tok, 16))
    return bytes(out)


def rules_of(path):
    cur = None
    rules = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = RULE_RE.match(line)
            if m:
                cur = {'name': m.group(1), 'strings': [], 'cond': ''}
                rules.append(cur)
                continue
            if cur is None:
                continue
            m = STR_RE.match(line)
            if m:
                data = unescape(m.group(2))
                mods = m.group(3)
                if 'wide' in mods:
                    wide = data.decode('latin-1').encode('utf-16-le')
                    cur['strings'].append(wide)
                    if 'ascii' in mods:
                        cur['strings'].append(data)
                else:
                    cur['strings'].append(data)
                continue
            m = HEX_RE.match(line)
            if m:
                cur['strings'].append(hex_bytes(m.group(2)))
                continue
            cur['cond'] += line
    return rules


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for rf in sys.argv[2:]:
        base = os.path.splitext(os.path.basename(rf))[0]
        for i, r in enumerate(rules_of(rf)):
            if not r['strings']:
                continue
            cond = r['cond'].lower()
            if '0x5a4d' in cond or 'pe.' in cond:
                head = bytearray(b'MZ' + b'\0' * 0x3a + b'\x80\0\0\0' + b'\0' * 0x40 + b'PE\0\0')
                ext = '.exe'
            elif '0x464c457f' in cond:
                head = bytearray(b'\x7fELF' + b'\0' * 60)
                ext = '.elf'
            else:
                head = bytearray()
                ext = '.bin'
            body = b'\n'.join(s for s in r['strings'] if s)
            name = '%s_%03d_%s' % (base, i, r['name'])
            with open(os.path.join(out, name + ext), 'wb') as f:
                f.write(bytes(head) + b'\n' + body + b'\n')
            # the same strings without the magic bytes: rules that need MZ must not fire
            with open(os.path.join(out, name + '.nomagic'), 'wb') as f:
                f.write(b'NZ' + b'\n' + body + b'\n')
            # half of the strings, for "all of them" / "N of" thresholds
            half = r['strings'][: max(1, len(r['strings']) // 2)]
            with open(os.path.join(out, name + '.half' + ext), 'wb') as f:
                f.write(bytes(head) + b'\n' + b'\n'.join(half) + b'\n')
            n += 3
    print(n)


if __name__ == '__main__':
    main()
