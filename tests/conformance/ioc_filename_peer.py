"""ioc_filename_peer.py - Loki's filename IOC semantics in Python, for
check_ioc_filename.sh.

  gen FILE          prints sample paths derived from each pattern of FILE
                    (walking Python's own regex parse tree), in Windows and
                    '/' forms, with non-ASCII and invalid UTF-8 variants
  match FILE PATHS  prints "PATH_LINE\tIOC_LINE" for every finding, with
                    Loki's rule: re.search of each pattern on the path (str),
                    here also on the path with '/' turned into '\\', unless
                    the false-positive regex matches either
"""
import re, sys
try:
    import re._parser as sre_parse
    import re._constants as C
except ImportError:
    import sre_parse
    import sre_constants as C

def sample(tree, out):
    for op, av in tree:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL:
            out.append('x' if av != ord('x') else 'y')
        elif op is C.ANY:
            out.append('a')
        elif op is C.IN:
            ch = None
            neg = False
            for o, a in av:
                if o is C.NEGATE:
                    neg = True
                elif o is C.LITERAL and ch is None:
                    ch = chr(a)
                elif o is C.RANGE and ch is None:
                    ch = chr(a[0])
                elif o is C.CATEGORY and ch is None:
                    ch = {C.CATEGORY_DIGIT: '1', C.CATEGORY_WORD: 'a', C.CATEGORY_SPACE: ' '}.get(a, 'a')
            if neg:
                ch = 'q' if ch != 'q' else 'z'
            out.append(ch or 'a')
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, sub = av
            for _ in range(max(lo, 1) if hi else 0):
                sample(sub, out)
        elif op is C.SUBPATTERN:
            sample(av[-1], out)
        elif op is C.BRANCH:
            sample(av[1][0], out)
        elif op is C.CATEGORY:
            out.append({C.CATEGORY_DIGIT: '1', C.CATEGORY_WORD: 'a', C.CATEGORY_SPACE: ' '}.get(av, 'a'))
        elif op is C.GROUPREF:
            pass
        # AT, ASSERT, ASSERT_NOT: nothing

def load(path):
    pats = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        row = line.split(";")
        try:
            rx = re.compile(row[0])
            fp = re.compile(row[2]) if len(row) > 2 and row[2] else None
        except re.error:
            continue
        pats.append((n, row[0], rx, fp))
    return pats

mode = sys.argv[1]
pats = load(sys.argv[2])
if mode == "gen":
    seen = set()
    for n, src, rx, fp in pats:
        out = []
        try:
            sample(sre_parse.parse(src), out)
        except Exception:
            continue
        s = "".join(out)
        if any(ord(ch) < 32 for ch in s):
            continue
        if not s:
            continue
        body = s if re.match(r"^[A-Za-z]:", s) or s.startswith("/") or s.startswith("\\") else "\\" + s
        base = "C:\\Data" + body if body.startswith("\\") else body
        k = base.rfind("\\") + 1
        variants = [base]
        if body.startswith("\\"):
            variants += ["C:\\Jösé\\日本" + body, "C:\\D\udcff" + body]
        if k < len(base):
            variants.append(base[:k] + "é" + base[k + 1:])
            variants.append(base[:k] + "é" + base[k:])
        for p in variants:
            for q in (p, p.replace("\\", "/")):
                if q not in seen:
                    seen.add(q)
                    sys.stdout.buffer.write(q.encode("utf-8", "surrogateescape") + b"\n")
else:
    for i, p in enumerate(open(sys.argv[3], encoding="utf-8", errors="surrogateescape"), 1):
        p = p.rstrip("\n")
        alt = p.replace("/", "\\") if "/" in p else None
        for n, src, rx, fp in pats:
            if rx.search(p) or (alt is not None and rx.search(alt)):
                if fp and (fp.search(p) or (alt is not None and fp.search(alt))):
                    continue
                print("%d\t%d" % (i, n))
