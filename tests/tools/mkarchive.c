/* mkarchive.c - writes test archives for the end-to-end tests, with libarchive.
 *
 * Why a tool and not zip/7z on the PATH: the e2e scripts then need no
 * archivers installed, and the archives (including an encrypted zip and a
 * zip bomb) are made the same way the unit tests make theirs.
 *
 *   mkarchive FORMAT OUT [--password PW] MEMBER=PATH...
 *       FORMAT: zip 7z tar tar.gz tar.bz2 tar.xz gz (gz: exactly one member)
 *       --password: zip only, traditional PKWARE encryption
 *   mkarchive bomb OUT SIZE_MB
 *       a zip holding one member of SIZE_MB MiB of zeros */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: mkarchive zip|7z|tar|tar.gz|tar.bz2|tar.xz|gz OUT [--password PW] "
                    "MEMBER=PATH...\n       mkarchive bomb OUT SIZE_MB\n");
    return 2;
}

static int fail(struct archive *a, const char *what)
{
    fprintf(stderr, "mkarchive: %s: %s\n", what, archive_error_string(a));
    archive_write_free(a);
    return 1;
}

static int set_format(struct archive *a, const char *fmt)
{
    if (strcmp(fmt, "zip") == 0 || strcmp(fmt, "bomb") == 0)
        return archive_write_set_format_zip(a);
    if (strcmp(fmt, "7z") == 0)
        return archive_write_set_format_7zip(a);
    if (strcmp(fmt, "gz") == 0) {
        if (archive_write_set_format_raw(a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        return archive_write_add_filter_gzip(a);
    }
    if (strncmp(fmt, "tar", 3) != 0 || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK)
        return ARCHIVE_FATAL;
    if (strcmp(fmt, "tar") == 0)
        return ARCHIVE_OK;
    if (strcmp(fmt, "tar.gz") == 0)
        return archive_write_add_filter_gzip(a);
    if (strcmp(fmt, "tar.bz2") == 0)
        return archive_write_add_filter_bzip2(a);
    if (strcmp(fmt, "tar.xz") == 0)
        return archive_write_add_filter_xz(a);
    return ARCHIVE_FATAL;
}

static int add_header(struct archive *a, const char *name, long long size)
{
    struct archive_entry *e = archive_entry_new();
    int r;

    if (e == NULL)
        return ARCHIVE_FATAL;
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, size);
    archive_entry_set_mtime(e, 1500000000, 0);
    r = archive_write_header(a, e);
    archive_entry_free(e);
    return r;
}

static int add_file(struct archive *a, const char *spec)
{
    const char *eq = strchr(spec, '=');
    char name[4096], buf[65536];
    FILE *f;
    long long size;
    size_t n;

    if (eq == NULL || (size_t)(eq - spec) >= sizeof name) {
        fprintf(stderr, "mkarchive: expected MEMBER=PATH, got %s\n", spec);
        return 1;
    }
    memcpy(name, spec, (size_t)(eq - spec));
    name[eq - spec] = '\0';
    f = fopen(eq + 1, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        perror(eq + 1);
        if (f)
            fclose(f);
        return 1;
    }
    if (add_header(a, name, size) != ARCHIVE_OK) {
        fprintf(stderr, "mkarchive: %s: %s\n", name, archive_error_string(a));
        fclose(f);
        return 1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (archive_write_data(a, buf, n) != (la_ssize_t)n) {
            fprintf(stderr, "mkarchive: %s: %s\n", name, archive_error_string(a));
            fclose(f);
            return 1;
        }
    fclose(f);
    return 0;
}

static int add_zeros(struct archive *a, long long mb)
{
    static char zeros[1 << 20];

    if (add_header(a, "zeros.bin", mb << 20) != ARCHIVE_OK)
        return 1;
    for (long long i = 0; i < mb; i++)
        if (archive_write_data(a, zeros, sizeof zeros) != (la_ssize_t)sizeof zeros)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    struct archive *a;
    const char *fmt, *out, *password = NULL;
    int i = 3;

    if (argc < 4)
        return usage();
    fmt = argv[1];
    out = argv[2];
    if (argc > 4 && strcmp(argv[3], "--password") == 0) {
        password = argv[4];
        i = 5;
    }
    a = archive_write_new();
    if (a == NULL)
        return 1;
    if (set_format(a, fmt) != ARCHIVE_OK)
        return archive_write_free(a), usage();
    if (password != NULL &&
        (strcmp(fmt, "zip") != 0 ||
         archive_write_set_options(a, "zip:encryption=zipcrypt") != ARCHIVE_OK ||
         archive_write_set_passphrase(a, password) != ARCHIVE_OK))
        return fail(a, "--password (zip only)");
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_filename(a, out) != ARCHIVE_OK)
        return fail(a, out);
    if (strcmp(fmt, "bomb") == 0) {
        long long mb = atoll(argv[3]);
        if (mb <= 0 || mb > 1000000 || add_zeros(a, mb))
            return fail(a, "bomb");
    } else {
        if (strcmp(fmt, "gz") == 0 && argc - i != 1)
            return archive_write_free(a), usage();
        for (; i < argc; i++)
            if (add_file(a, argv[i]))
                return archive_write_free(a), 1;
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        return fail(a, "close");
    archive_write_free(a);
    return 0;
}
