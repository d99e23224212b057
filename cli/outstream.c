/* outstream.c - the first write error of each output stream, and the one
 * place that reports it (see outstream.h).
 *
 * A process has at most a handful of output streams (standard output and
 * one -o FILE), all set up by the main thread before a sweep starts; notes
 * come from under the writer's lock. A small fixed table is enough. */
#include "outstream.h"

#include <errno.h>
#include <string.h>

typedef struct stream_state {
    FILE *fp;
    const char *name;
    int err;      /* errno of the first failed write, 0 if none seen */
    int reported; /* the failure was said on stderr */
} stream_state;

static stream_state streams[4];

static stream_state *find(FILE *fp, int add)
{
    for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++)
        if (streams[i].fp == fp)
            return &streams[i];
    if (!add)
        return NULL;
    for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
        if (streams[i].fp == NULL) {
            memset(&streams[i], 0, sizeof streams[i]);
            streams[i].fp = fp;
            return &streams[i];
        }
    }
    return NULL;
}

void out_stream_name(FILE *fp, const char *name)
{
    stream_state *s = find(fp, 1);
    if (s != NULL)
        s->name = name;
}

int out_stream_note(FILE *fp)
{
    int e = errno;
    if (fp == NULL || !ferror(fp))
        return 0;
    stream_state *s = find(fp, 1);
    if (s != NULL && s->err == 0)
        s->err = e != 0 ? e : EIO;
    return 1;
}

void out_stream_fail(FILE *fp, int err)
{
    stream_state *s = fp != NULL ? find(fp, 1) : NULL;
    if (s != NULL && s->err == 0)
        s->err = err;
}

int out_stream_failed(FILE *fp)
{
    stream_state *s = find(fp, 0);
    return (fp != NULL && ferror(fp)) || (s != NULL && s->err != 0);
}

int out_stream_close(FILE *fp, const char *cmd)
{
    if (fp == NULL)
        return 0;
    out_stream_note(fp);
    errno = 0;
    int flushed = fflush(fp) == 0;
    int e = errno;
    stream_state *s = find(fp, 1);
    int failed = !flushed || ferror(fp) || (s != NULL && s->err != 0);
    const char *name = s != NULL && s->name != NULL ? s->name
                       : fp == stdout               ? "standard output"
                                                    : "output";
    int err = s != NULL && s->err != 0 ? s->err : e != 0 ? e : EIO;
    errno = 0;
    if (fclose(fp) != 0 && !failed) {
        failed = 1;
        err = errno != 0 ? errno : EIO;
    }
    if (failed && (s == NULL || !s->reported))
        fprintf(stderr, "vigil %s: cannot write %s: %s\n", cmd, name, strerror(err));
    if (s != NULL) {
        if (failed)
            s->reported = 1;
        s->fp = NULL; /* the FILE is gone; its address may be reused */
    }
    return failed ? -1 : 0;
}
