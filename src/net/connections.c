/* connections.c - the host's live sockets checked against the engine's IP and
 * CIDR indicators, for `vigil connections`.
 *
 * A thin public face over the netioc socket reader (src/netioc/live.c):
 * it renders addresses and states as text and attaches the indicator's
 * source and score, so callers need nothing but the public headers. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/diagsink.h"
#include "engine/engine_netioc.h"
#include "vigil/logs.h"

typedef struct conn_ctx {
    const vigil_netioc_db *db;
    vigil_conn_fn fn;
    void *user;
} conn_ctx;

static const char *tcp_state(unsigned s)
{
    static const char *const names[] = {
        "",      "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV"};
    return s < sizeof names / sizeof names[0] ? names[s] : "UNKNOWN";
}

static int on_live(const vigil_live_hit *lh, void *user)
{
    conn_ctx *c = user;
    const vigil_live_conn *k = lh->conn;
    const vigil_netioc_indicator *in = vigil_netioc_db_at(c->db, lh->indicator);
    char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
    vigil_conn_hit h;

    if (in == NULL)
        return 0;
    if (inet_ntop(k->family, k->local, local, sizeof local) == NULL)
        local[0] = '\0';
    if (inet_ntop(k->family, k->remote, remote, sizeof remote) == NULL)
        remote[0] = '\0';
    memset(&h, 0, sizeof h);
    h.proto = k->udp ? (k->family == AF_INET6 ? "udp6" : "udp")
                     : (k->family == AF_INET6 ? "tcp6" : "tcp");
    h.local = local;
    h.local_port = k->lport;
    h.remote = remote;
    h.remote_port = k->rport;
    h.state = k->udp ? "" : tcp_state(k->state);
    h.remote_matched = lh->remote;
    h.pid = lh->pid;
    h.exe = lh->exe ? lh->exe : "";
    h.uid = k->uid;
    h.indicator = in->value;
    h.indicator_type = vigil_intel_type_name(in->type);
    h.source = in->source;
    h.source_line = in->line;
    h.description = in->description;
    h.score = in->score;
    return c->fn(&h, c->user);
}

vigil_status vigil_connections_check(const vigil_engine *e, const char *proc_root, vigil_conn_fn fn,
                                     void *user, vigil_diag_fn on_diag, void *diag_user)
{
    vigil_diag_sink sink = {on_diag, diag_user};
    conn_ctx c = {NULL, fn, user};
    vigil_status st;

    if (e == NULL || fn == NULL)
        return VIGIL_ERR_INVALID_ARG;
    st = vigil_engine_netioc(e, &c.db);
    if (st != VIGIL_OK)
        return st;
    return vigil_live_check(c.db, proc_root ? proc_root : "/proc", &sink, on_live, &c);
}
