/* mkwinart.c - writes the Windows artefacts the execution-evidence tests
 * need, since the tests cannot run Windows: a shell link (MS-SHLLINK: header,
 * LinkInfo with a local base path, command line arguments) and an
 * uncompressed Prefetch file (SCCA version 23, the Windows 7 layout libscca
 * documents). The tests check both with lnkinfo and sccainfo.
 *
 *   mkwinart lnk OUT TARGET [ARGUMENTS]
 *   mkwinart pf OUT EXENAME FULLPATH RUNCOUNT LASTRUN_FILETIME */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t out[65536];
static size_t used;

static void put(size_t at, const void *p, size_t n)
{
    if (at + n > sizeof out) {
        fprintf(stderr, "mkwinart: too big\n");
        exit(2);
    }
    memcpy(out + at, p, n);
    if (at + n > used)
        used = at + n;
}
static void u16(size_t at, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(at, b, 2);
}
static void u32(size_t at, uint32_t v)
{
    u16(at, (uint16_t)v);
    u16(at + 2, (uint16_t)(v >> 16));
}
static void u64(size_t at, uint64_t v)
{
    u32(at, (uint32_t)v);
    u32(at + 4, (uint32_t)(v >> 32));
}
/* ASCII as UTF-16LE, NUL-terminated; returns the bytes written */
static size_t utf16(size_t at, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i <= n; i++)
        u16(at + 2 * i, (uint8_t)s[i]);
    return 2 * (n + 1);
}

static void write_out(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(out, 1, used, f) != used || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static void make_lnk(const char *target, const char *args)
{
    static const uint8_t clsid[16] = {0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    uint32_t flags = 0x02 | 0x80 | (args ? 0x20 : 0); /* HasLinkInfo, IsUnicode, HasArguments */
    size_t p;

    u32(0, 0x4C);
    put(4, clsid, 16);
    u32(20, flags);
    u32(24, 0x20);                   /* FILE_ATTRIBUTE_ARCHIVE */
    u64(28, 131976000000000000ull);  /* created  2019-03-20T03:20:00Z */
    u64(36, 131976036000000000ull);  /* accessed 2019-03-20T04:20:00Z */
    u64(44, 131976000000000000ull);  /* written */
    u32(52, 73728);                  /* target size */
    u32(56, 0);                      /* icon index */
    u32(60, 1);                      /* SW_SHOWNORMAL */
    /* LinkInfo at 76 */
    size_t li = 76, vol = li + 0x1C, base = vol + 0x11, suffix = base + strlen(target) + 1;
    size_t li_end = suffix + 1;
    u32(li, (uint32_t)(li_end - li));
    u32(li + 4, 0x1C);
    u32(li + 8, 1); /* VolumeIDAndLocalBasePath */
    u32(li + 12, (uint32_t)(vol - li));
    u32(li + 16, (uint32_t)(base - li));
    u32(li + 20, 0);
    u32(li + 24, (uint32_t)(suffix - li));
    u32(vol, 0x11);       /* VolumeIDSize */
    u32(vol + 4, 3);      /* DRIVE_FIXED */
    u32(vol + 8, 0x1234ABCD);
    u32(vol + 12, 0x10);  /* label offset: the empty label */
    put(vol + 16, "", 1);
    put(base, target, strlen(target) + 1);
    put(suffix, "", 1);
    p = li_end;
    if (args) {
        u16(p, (uint16_t)strlen(args));
        for (size_t i = 0; args[i]; i++)
            u16(p + 2 + 2 * i, (uint8_t)args[i]);
        p += 2 + 2 * strlen(args);
    }
    u32(p, 0); /* terminal block */
}

static void make_pf(const char *exe, const char *full, uint32_t runs, uint64_t lastrun)
{
    static const char *const sys = "\\VOLUME{01d4de1c2a3b4c5d-1234abcd}\\WINDOWS\\SYSTEM32\\NTDLL.DLL";
    const char *names[2] = {sys, full};
    const size_t info = 84, metrics = info + 156, chains = metrics + 2 * 32;
    size_t strings = chains, at = strings, volumes, vpath;
    static const char *const device = "\\VOLUME{01d4de1c2a3b4c5d-1234abcd}";

    u32(0, 23);
    put(4, "SCCA", 4);
    u32(8, 0x11);
    utf16(16, exe); /* within the 60-byte field */
    u32(76, 0xAD70946C);
    for (int i = 0; i < 2; i++) {
        size_t m = metrics + 32 * (size_t)i;
        u32(m + 12, (uint32_t)(at - strings));
        u32(m + 16, (uint32_t)strlen(names[i]));
        u64(m + 24, 0x0001000000001000ull + (uint64_t)i);
        at += utf16(at, names[i]);
    }
    volumes = (at + 7) & ~(size_t)7;
    vpath = volumes + 104;
    u32(volumes, (uint32_t)(vpath - volumes));
    u32(volumes + 4, (uint32_t)strlen(device));
    u64(volumes + 8, 131900000000000000ull);
    u32(volumes + 16, 0x1234ABCD);
    size_t vend = vpath + utf16(vpath, device);
    u32(info, (uint32_t)metrics);
    u32(info + 4, 2);
    u32(info + 8, (uint32_t)chains);
    u32(info + 12, 0);
    u32(info + 16, (uint32_t)strings);
    u32(info + 20, (uint32_t)(at - strings));
    u32(info + 24, (uint32_t)volumes);
    u32(info + 28, 1);
    u32(info + 32, (uint32_t)(vend - volumes));
    u64(info + 44, lastrun);
    u32(info + 68, runs);
    u32(info + 152, 0);
    u32(12, (uint32_t)used);
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "lnk") == 0) {
        make_lnk(argv[3], argc > 4 ? argv[4] : NULL);
    } else if (argc == 7 && strcmp(argv[1], "pf") == 0) {
        make_pf(argv[3], argv[4], (uint32_t)strtoul(argv[5], NULL, 10),
                strtoull(argv[6], NULL, 10));
    } else {
        fprintf(stderr, "usage: mkwinart lnk OUT TARGET [ARGS] | pf OUT EXE FULLPATH RUNS FILETIME\n");
        return 2;
    }
    write_out(argv[2]);
    return 0;
}
