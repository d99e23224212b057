#!/usr/bin/env python3
"""gen_yara_tree.py - builds a tree of files that make public YARA rules fire.

Why: a parity check between vigil and yara is only meaningful on files that
match. For each rule of the given rule files this writes a file carrying the
rule's plain and hex strings (wide ones UTF-16LE encoded) after the magic
bytes its condition checks for (MZ, ELF), plus near-miss and padding
variants, and for hex strings with wildcards, jumps or alternatives, their
shortest and longest forms and a form with each jump one byte too long. The files carry rule strings only: no code, nothing executable.

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


def jump_len(m, mode):
    """A jump [n], [n-m], [n-], [-] as its shortest or longest length, or one
    byte past its longest ('over': no match expected there)."""
    lo, sep, hi = m.group(1).strip().partition('-')
    lo = int(lo) if lo.strip() else 0
    hi = (int(hi) if hi.strip() else None) if sep else lo
    if mode == 'min':
        n = lo
    elif hi is None:
        n = lo + 7  # unbounded: some longer jump
    else:
        n = hi + 1 if mode == 'over' else hi
    return ' 00' * n + ' '


def hex_bytes(body, mode='first'):
    """The bytes of a hex string. 'first': jumps one byte, wildcards 0, the
    first alternative (the historic form); 'min' / 'max': every jump at its
    bound, wildcards a newline byte (nibbles 0 / F), the first / last
    alternative; 'over': as 'max' with every jump one byte too long."""
    body = re.sub(r'//.*', '', body)
    if mode == 'first':
        body = re.sub(r'\[[^\]]*\]', ' 00 ', body)          # jumps -> one byte
        body = re.sub(r'\(([^|()]*)\|[^()]*\)', r'\1', body)  # first alternative
    else:
        body = re.sub(r'\[([^\]]*)\]', lambda m: jump_len(m, mode), body)
        if mode == 'min':
            body = re.sub(r'\(([^|()]*)\|[^()]*\)', r'\1', body)
        else:
            body = re.sub(r'\([^()]*\|([^|()]*)\)', r'\1', body)  # last alternative
    out = bytearray()
    for tok in re.findall(r'[0-9A-Fa-f?~]{2}', body.replace('~', '')):
        if mode != 'first' and tok == '??':
            tok = '0a'
        tok = tok.replace('?', '0' if mode in ('first', 'min') else 'f')
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
                if re.search(r'[?\[(]', m.group(2)):
                    cur['edges'] = True
                cur.setdefault('hex', []).append(m.group(2))
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
            # hex strings with wildcards, jumps or alternatives at each
            # bound (the gate confirms an atom with the whole string), and
            # with every jump one byte too long
            if r.get('edges'):
                plain = [x for x in r['strings'] if x not in
                         [hex_bytes(h) for h in r['hex']]]
                for mode in ('min', 'max', 'over'):
                    hx = [hex_bytes(h, mode) for h in r['hex']]
                    with open(os.path.join(out, name + '.' + mode + ext), 'wb') as f:
                        f.write(bytes(head) + b'\n' + b'\n'.join(plain + hx) + b'\n')
                    n += 1
    print(n)


if __name__ == '__main__':
    main()
