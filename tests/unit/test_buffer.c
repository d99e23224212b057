/* test_buffer.c - the shared growable buffer and array-growth rule
 * (src/core/buffer.h) and the one read-whole-file loop and errno map built
 * on it (src/core/util.h): contents, NUL, bounds and overflow refusals. */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "core/buffer.h"
#include "core/util.h"
#include "test.h"

static void test_append(void)
{
    vigil_buffer b = {0};
    CHECK_EQ_INT(vigil_buffer_append_str(&b, "abc"), VIGIL_OK);
    CHECK_EQ_INT(vigil_buffer_append_char(&b, '-'), VIGIL_OK);
    CHECK_EQ_INT(vigil_buffer_printf(&b, "%d/%s", 42, "x"), VIGIL_OK);
    CHECK_EQ_STR(b.data, "abc-42/x");
    CHECK_EQ_INT(b.len, 8);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(vigil_buffer_printf(&b, "%04d", i), VIGIL_OK);
    CHECK_EQ_INT(b.len, 8 + 4000);
    CHECK(b.data[b.len] == '\0');
    CHECK(memcmp(b.data + 8 + 4 * 999, "0999", 4) == 0);
    vigil_buffer_reset(&b);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_STR(b.data, "");
    CHECK_EQ_INT(vigil_buffer_append(&b, "", 0), VIGIL_OK);
    size_t len = 99;
    char *p = vigil_buffer_release(&b, &len);
    CHECK(p != NULL && len == 0 && b.data == NULL && b.cap == 0);
    free(p);
    vigil_buffer_free(&b);
    vigil_buffer_free(NULL);
}

static void test_bound(void)
{
    vigil_buffer b = {0};
    CHECK_EQ_INT(vigil_buffer_grow(&b, 10, 10), VIGIL_OK);
    CHECK(b.cap == 11);
    b.len = 10;
    CHECK_EQ_INT(vigil_buffer_grow(&b, 1, 10), VIGIL_ERR_LIMIT);
    CHECK(b.cap == 11 && b.len == 10);
    CHECK_EQ_INT(vigil_buffer_grow(&b, SIZE_MAX, SIZE_MAX), VIGIL_ERR_LIMIT);
    CHECK_EQ_INT(vigil_buffer_grow(&b, SIZE_MAX - 5, SIZE_MAX), VIGIL_ERR_LIMIT);
    vigil_buffer_free(&b);
}

static void test_array(void)
{
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 100; i++) {
        CHECK_EQ_INT(VIGIL_ARRAY_RESERVE(v, cap, n + 1), VIGIL_OK);
        v[n++] = i;
    }
    CHECK(cap >= 100);
    CHECK_EQ_INT(v[99], 99);
    size_t before = cap;
    CHECK_EQ_INT(vigil_array_grow(&v, &cap, SIZE_MAX / 2, sizeof *v, 0), VIGIL_ERR_LIMIT);
    CHECK_EQ_INT(vigil_array_grow(&v, &cap, 300, sizeof *v, 200), VIGIL_ERR_LIMIT);
    CHECK(cap == before && v[0] == 0);
    CHECK_EQ_INT(vigil_array_grow(&v, &cap, 150, sizeof *v, 150), VIGIL_OK);
    CHECK(cap == 150 || cap == before);
    free(v);
    char *small = NULL;
    size_t sc = 0;
    CHECK_EQ_INT(vigil_array_grow(&small, &sc, 3, 1, 3), VIGIL_OK);
    CHECK_EQ_INT(sc, 3);
    free(small);
}

static void test_read_fd(void)
{
    int fds[2];
    char *text = NULL;
    size_t len = 0;
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], "hello pipe", 10) == 10);
    close(fds[1]);
    CHECK_EQ_INT(vigil_read_fd(fds[0], 100, &text, &len), VIGIL_OK);
    close(fds[0]);
    CHECK_EQ_INT(len, 10);
    CHECK_EQ_STR(text, "hello pipe");
    free(text);

    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], "0123456789", 10) == 10);
    close(fds[1]);
    CHECK_EQ_INT(vigil_read_fd(fds[0], 9, &text, &len), VIGIL_ERR_LIMIT);
    CHECK(text == NULL && len == 0);
    close(fds[0]);

    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], "012345678", 9) == 9);
    close(fds[1]);
    CHECK_EQ_INT(vigil_read_fd(fds[0], 9, &text, &len), VIGIL_OK);
    CHECK_EQ_INT(len, 9);
    free(text);
    close(fds[0]);

    CHECK_EQ_INT(vigil_read_file("/nonexistent/vigil", 10, &text, &len), VIGIL_ERR_NOT_FOUND);
    CHECK_EQ_INT(vigil_read_file("/", 10, &text, &len), VIGIL_ERR_IO);
    CHECK_EQ_INT(vigil_status_from_errno(EACCES), VIGIL_ERR_ACCESS);
    CHECK_EQ_INT(vigil_status_from_errno(EEXIST), VIGIL_ERR_EXISTS);
    CHECK_EQ_INT(vigil_status_from_errno(ENOTDIR), VIGIL_ERR_NOT_FOUND);
    CHECK_EQ_INT(vigil_status_from_errno(EIO), VIGIL_ERR_IO);
}

int main(void)
{
    TEST_RUN(test_read_fd);
    TEST_RUN(test_append);
    TEST_RUN(test_bound);
    TEST_RUN(test_array);
    return TEST_END();
}
