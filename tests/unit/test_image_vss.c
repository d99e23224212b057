/* test_image_vss.c - unit tests of the shadow copy side of image walking:
 * the (path, content) set that keeps a snapshot's unchanged files from
 * being delivered twice (same path and bytes: once; other bytes or another
 * path: again; growth past its first table), and the VSS detection of a
 * volume: no header or a header without stores gives no snapshot and no
 * diagnostic, a damaged catalog a warning naming the volume's offset. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_vss.h"
#include "test.h"

static void test_seen(void)
{
    image_seen *s = image_seen_create();
    char path[64];

    CHECK(s != NULL);
    CHECK_EQ_INT(image_seen_add(s, "Windows/x.exe", (const uint8_t *)"MZ", 2), 1);
    CHECK_EQ_INT(image_seen_add(s, "Windows/x.exe", (const uint8_t *)"MZ", 2), 0);
    CHECK_EQ_INT(image_seen_add(s, "Windows/x.exe", (const uint8_t *)"MZ!", 3), 1); /* changed */
    CHECK_EQ_INT(image_seen_add(s, "Windows/y.exe", (const uint8_t *)"MZ", 2), 1);  /* moved */
    CHECK_EQ_INT(image_seen_add(s, "empty", NULL, 0), 1);
    CHECK_EQ_INT(image_seen_add(s, "empty", (const uint8_t *)"", 0), 0);
    /* path and content are not run together: "ab"+"c" is not "a"+"bc" */
    CHECK_EQ_INT(image_seen_add(s, "ab", (const uint8_t *)"c", 1), 1);
    CHECK_EQ_INT(image_seen_add(s, "a", (const uint8_t *)"bc", 2), 1);
    for (int i = 0; i < 5000; i++) { /* past several growths */
        snprintf(path, sizeof path, "f%d", i);
        CHECK_EQ_INT(image_seen_add(s, path, (const uint8_t *)path, strlen(path)), 1);
    }
    int again = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(path, sizeof path, "f%d", i);
        again += image_seen_add(s, path, (const uint8_t *)path, strlen(path)) == 0;
    }
    CHECK_EQ_INT(again, 5000);
    image_seen_destroy(s);
    image_seen_destroy(NULL);
}

static int warnings;
static uint64_t warning_offset;
static char warning_text[512];

static void on_diag(const vigil_diag *d, void *user)
{
    (void)user;
    if (d->level == VIGIL_DIAG_WARNING) {
        warnings++;
        warning_offset = d->offset;
        snprintf(warning_text, sizeof warning_text, "%s", d->message);
    }
}

/* A volume of zeros with, when catalog >= 0, a VSS volume header at 0x1e00. */
static uint8_t volume[1 << 20];

typedef struct vol_img {
    TSK_IMG_INFO info;
} vol_img;

static ssize_t vol_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    (void)img;
    if (off < 0 || (uint64_t)off >= sizeof volume)
        return 0;
    if (len > sizeof volume - (size_t)off)
        len = sizeof volume - (size_t)off;
    memcpy(buf, volume + off, len);
    return (ssize_t)len;
}

static void vol_close(TSK_IMG_INFO *img)
{
    free(img);
}

static void vol_stat(TSK_IMG_INFO *img, FILE *fp)
{
    (void)img, (void)fp;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int detect(long long catalog, image_vss **out)
{
    static const uint8_t id[16] = {0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
                                   0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52};
    static const vigil_diag_sink sink = {on_diag, NULL};
    vol_img *v = calloc(1, sizeof *v);
    TSK_IMG_INFO *img;
    vigil_status st;

    memset(volume, 0, sizeof volume);
    if (catalog >= 0) {
        uint8_t *h = volume + 0x1e00;
        memcpy(h, id, 16);
        h[16] = 1; /* version */
        h[20] = 1; /* record type: volume header */
        put64(h + 24, 0x1e00);
        put64(h + 48, (uint64_t)catalog);
    }
    img = tsk_img_open_external(v, (TSK_OFF_T)sizeof volume, 512, vol_read, vol_close, vol_stat);
    CHECK(img != NULL);
    warnings = 0;
    st = image_vss_open(img, 0, (TSK_OFF_T)sizeof volume, "disk.img!p2", &sink, out);
    tsk_img_close(img);
    return st;
}

static void test_detect(void)
{
    image_vss *v = (image_vss *)&v;

    CHECK_EQ_INT(detect(-1, &v), VIGIL_OK); /* no header: most volumes */
    CHECK(v == NULL);
    CHECK_EQ_INT(warnings, 0);
    CHECK_EQ_INT(detect(0, &v), VIGIL_OK); /* VSS on, no snapshot taken */
    CHECK(v == NULL);
    CHECK_EQ_INT(warnings, 0);
    CHECK_EQ_INT(image_vss_count(NULL), 0);
    CHECK_EQ_INT(detect(0x40000, &v), VIGIL_OK); /* catalog offset into zeros */
    CHECK(v == NULL);
    CHECK_EQ_INT(warnings, 1);
    CHECK_EQ_INT((int)warning_offset, 0);
    CHECK(strstr(warning_text, "cannot read the volume shadow copies of the volume at offset 0: "
                               "invalid catalog header identifier") != NULL);
    CHECK_EQ_INT(detect(0x7fffffffffffll, &v), VIGIL_OK); /* catalog past the end */
    CHECK(v == NULL);
    CHECK_EQ_INT(warnings, 1);
    image_vss_close(NULL);
}

int main(void)
{
    TEST_RUN(test_seen);
    TEST_RUN(test_detect);
    return TEST_END();
}
