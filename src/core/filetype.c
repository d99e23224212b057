/* filetype.c - magic byte table for the `filetype` external (see filetype.h).
 *
 * Ordered most specific first; each entry is an offset and a byte string.
 * A table rather than libmagic: libmagic is slow per file and its names are
 * prose, while rules expect Loki's short names. */
#include "core/filetype.h"

#include <string.h>

typedef struct magic {
    const char *name;
    size_t offset;
    const char *bytes;
    size_t len;
} magic;

#define M(name, off, lit)                                                                          \
    {                                                                                              \
        name, off, lit, sizeof(lit) - 1                                                            \
    }

static const magic table[] = {
    M("EVTX", 0, "ElfFile\0"),
    M("ELF", 0,
      "\x7f"
      "ELF"),
    M("ZIP", 0, "PK\x03\x04"),
    M("ZIP", 0, "PK\x05\x06"),
    M("RAR", 0, "Rar!\x1a\x07"),
    M("7Z", 0, "7z\xbc\xaf\x27\x1c"),
    M("GZIP", 0, "\x1f\x8b"),
    M("BZIP2", 0, "BZh"),
    M("XZ", 0,
      "\xfd"
      "7zXZ\0"),
    M("TAR", 257, "ustar"),
    M("CAB", 0, "MSCF\0\0\0\0"),
    M("PDF", 0, "%PDF"),
    M("OLE", 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    M("RTF", 0, "{\\rtf"),
    M("LNK", 0, "L\0\0\0\x01\x14\x02\0"),
    M("CHM", 0, "ITSF"),
    M("CLASS", 0, "\xca\xfe\xba\xbe"),
    M("MACHO", 0, "\xcf\xfa\xed\xfe"),
    M("MACHO", 0, "\xce\xfa\xed\xfe"),
    M("PCAP", 0, "\xd4\xc3\xb2\xa1"),
    M("PCAPNG", 0, "\x0a\x0d\x0d\x0a"),
    M("PNG", 0, "\x89PNG"),
    M("JPEG", 0, "\xff\xd8\xff"),
    M("GIF", 0, "GIF8"),
    M("REGISTRY", 0, "regf"),
    M("PREFETCH", 4, "SCCA"),
    M("MDMP", 0, "MDMP"),
    M("SCRIPT", 0, "#!"),
    M("EXE", 0, "MZ"),
};

const char *vigil_filetype_detect(const uint8_t *data, size_t len)
{
    if (data == NULL)
        return "";
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const magic *m = &table[i];
        if (len >= m->offset + m->len && memcmp(data + m->offset, m->bytes, m->len) == 0)
            return m->name;
    }
    return "";
}
