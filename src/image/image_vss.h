/* image_vss.h - Volume Shadow Copies of an NTFS volume in a disk image, and
 * the set of (path, content) pairs already delivered (private to image/).
 *
 * Why: an attacker deletes an implant, but a snapshot Windows took before
 * keeps it. libvshadow reads the shadow copy stores of a volume through a
 * libbfio handle that reads the volume's bytes from the TSK image; each
 * store is handed back as a TSK image of its own, walked like the live
 * volume. A snapshot file equal to the live one (or to an earlier
 * snapshot's) under the same path is delivered once only. */
#ifndef VIGIL_IMAGE_VSS_H
#define VIGIL_IMAGE_VSS_H

#include <stddef.h>
#include <stdint.h>
#include <tsk/libtsk.h>

#include "core/diagsink.h"
#include "vigil/status.h"

typedef struct image_vss image_vss;

/* The shadow copy stores of the volume of size bytes at byte offset off of
 * img. *out is NULL when the volume has no VSS header or no stores (no
 * diagnostic: most volumes have none). A header whose stores cannot be
 * read gives a warning naming label and the volume's offset, *out NULL,
 * VIGIL_OK: the live volume is still swept. VIGIL_ERR_NOMEM only. */
vigil_status image_vss_open(TSK_IMG_INFO *img, TSK_OFF_T off, TSK_OFF_T size, const char *label,
                            const vigil_diag_sink *diag, image_vss **out);

/* Number of stores (1 = the oldest, as vshadowmount numbers them). */
int image_vss_count(const image_vss *v);

/* Store number (1-based) as a TSK image, to close with tsk_img_close;
 * NULL with a warning naming label when it cannot be read. */
TSK_IMG_INFO *image_vss_store_image(image_vss *v, int number, const char *label,
                                    const vigil_diag_sink *diag);

void image_vss_close(image_vss *v); /* NULL safe */

/* A set of (path, content digest) keys. */
typedef struct image_seen image_seen;

image_seen *image_seen_create(void);
void image_seen_destroy(image_seen *s); /* NULL safe */

/* Adds the key of path and the len bytes of data; 1 when it was new, 0
 * when it was there already, -1 out of memory. */
int image_seen_add(image_seen *s, const char *path, const uint8_t *data, size_t len);

/* The same for a key built by the caller from a digest (big files). */
int image_seen_add_digest(image_seen *s, const char *path, const uint8_t digest[32]);

/* The same for a stream read from the image in steps of cap bytes into
 * buf (files too big to be held whole); 1 also when it cannot be read. */
int image_seen_add_attr(image_seen *s, const char *path, const TSK_FS_ATTR *a, uint64_t size,
                        uint8_t *buf, size_t cap);

#endif
