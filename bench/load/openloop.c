/* The open loop of bench/load/rawhttp.py in C, for scenarios where the generator's own CPU
 * would share a core with what it measures (W6: PostgreSQL's core). The Python client costs
 * ~120 µs of CPU per 27 KB answer; this one a fraction of that, so the load core holds
 * PostgreSQL and little else, as it would with clients on other machines.
 *
 * Same rules as the Python one: request i is due at t0 + i / rate whatever happened to the
 * others; its latency counts from when it was due (from when it was sent, if sent before:
 * requests due within TIMER_GRAIN go out at the wake before); one request per connection at
 * a time; a request due while every connection is busy opens another (up to max_conn) or
 * waits in order. Answers must carry Content-Length (a chunked one counts as an error).
 * Loopback only: the harness passes 127.0.0.1 or ::1 and nothing else is accepted.
 *
 *   openloop HOST PORT RATE SECONDS REQUESTS_FILE MAX_CONN OUT_FILE
 *
 * REQUESTS_FILE: requests as sent, each a 4-byte little-endian length and the bytes; request
 * i is record i modulo their number. OUT_FILE: one JSON object, the keys of the Python
 * client's result (written at the end of main).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMER_GRAIN 0.001
#define LATE 0.010
#define DRAIN_SECONDS 10.0
#define MAX_SECONDS 600.0
#define MAX_REQUESTS 5000000L

typedef struct {
    int fd;
    int busy, connecting, in_use;
    long idx;
    double due;
    const char *out;    /* what is left to write */
    size_t out_len;
    char *buf;
    size_t len, cap;
    long need;          /* bytes of the whole answer once the head is read, else -1 */
    int status, close_after;
} conn_t;

static conn_t *conns;
static int n_conns, max_conns;
static char **reqs;
static uint32_t *req_lens;
static long n_reqs;
static long *queue_idx;
static double *queue_due;
static long q_head, q_tail;
static double *lat;
static long n_lat, ok, non_2xx, errors, outstanding, late_starts;
static int ep;
static struct sockaddr_storage addr;
static socklen_t addr_len;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(const char *what) {
    fprintf(stderr, "openloop: %s\n", what);
    exit(2);
}

static void load_requests(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) fail("cannot open the requests file");
    long cap = 1024;
    reqs = malloc(cap * sizeof *reqs);
    req_lens = malloc(cap * sizeof *req_lens);
    uint8_t hdr[4];
    while (fread(hdr, 1, 4, f) == 4) {
        uint32_t n = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
        if (n_reqs == cap) {
            cap *= 2;
            reqs = realloc(reqs, cap * sizeof *reqs);
            req_lens = realloc(req_lens, cap * sizeof *req_lens);
        }
        reqs[n_reqs] = malloc(n);
        if (fread(reqs[n_reqs], 1, n, f) != n) fail("a request is cut short");
        req_lens[n_reqs++] = n;
    }
    fclose(f);
    if (!n_reqs) fail("no requests");
}

static void conn_close(conn_t *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->busy) {   /* its request failed */
        errors++;
        outstanding--;
    }
    c->in_use = c->busy = c->connecting = 0;
    c->len = 0;
    n_conns--;
}

static conn_t *conn_open(void) {
    conn_t *c = NULL;
    for (int k = 0; k < max_conns; k++)
        if (!conns[k].in_use) { c = &conns[k]; break; }
    if (!c) return NULL;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return NULL;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, addr_len) < 0 && errno != EINPROGRESS) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->in_use = 1;
    c->connecting = 1;
    c->busy = 0;
    c->len = 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    n_conns++;
    return c;
}

static void flush_out(conn_t *c) {
    while (c->out_len) {
        ssize_t w = write(c->fd, c->out, c->out_len);
        if (w < 0) {
            if (errno == EAGAIN) return;   /* EPOLLOUT is watched: written on the next wake */
            conn_close(c);
            return;
        }
        c->out += w;
        c->out_len -= w;
    }
}

static void conn_send(conn_t *c, long idx, double due) {
    c->busy = 1;
    c->idx = idx;
    c->due = due;
    c->need = -1;
    c->out = reqs[idx % n_reqs];
    c->out_len = req_lens[idx % n_reqs];
    flush_out(c);
}

static void dispatch(void) {
    for (int k = 0; k < max_conns && q_head < q_tail; k++) {
        conn_t *c = &conns[k];
        if (c->in_use && !c->busy && !c->connecting) {
            conn_send(c, queue_idx[q_head], queue_due[q_head]);
            q_head++;
        }
    }
    /* still waiting: more connections, one per waiting request */
    long opening = 0;
    for (int k = 0; k < max_conns; k++) opening += conns[k].in_use && conns[k].connecting;
    while (q_tail - q_head > opening && n_conns < max_conns && conn_open()) opening++;
}

/* Whether the buffer holds a whole answer; sets need, status and close_after. */
static int answer_complete(conn_t *c) {
    if (c->need < 0) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end) return 0;
        size_t head = end - c->buf + 4;
        if (c->len < 12) return 0;
        c->status = atoi(c->buf + 9);
        long length = -1;
        c->close_after = 0;
        for (char *line = memmem(c->buf, head, "\r\n", 2); line && line < end;
             line = memmem(line + 2, end + 2 - (line + 2), "\r\n", 2)) {
            char *h = line + 2;
            if (!strncasecmp(h, "content-length:", 15)) length = atol(h + 15);
            else if (!strncasecmp(h, "transfer-encoding:", 18)) length = -2;
            else if (!strncasecmp(h, "connection:", 11)) {
                char *v = h + 11;
                while (*v == ' ' || *v == '\t') v++;
                if (!strncasecmp(v, "close", 5)) c->close_after = 1;
            }
        }
        if (length == -2) return -1;
        c->need = head + (length < 0 ? 0 : length);
    }
    return (long)c->len >= c->need;
}

static void on_readable(conn_t *c) {
    for (;;) {
        if (c->cap - c->len < 65536) {
            c->cap = c->cap ? c->cap * 2 : 131072;
            c->buf = realloc(c->buf, c->cap);
        }
        ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (r == 0) { conn_close(c); return; }
        if (r < 0) {
            if (errno == EAGAIN) break;
            conn_close(c);
            return;
        }
        c->len += r;
    }
    while (c->busy) {
        int done = answer_complete(c);
        if (done < 0) { conn_close(c); return; }
        if (!done) return;
        lat[n_lat++] = now() - c->due;
        if (c->status >= 200 && c->status < 400) ok++; else non_2xx++;
        outstanding--;
        c->busy = 0;
        memmove(c->buf, c->buf + c->need, c->len - c->need);
        c->len -= c->need;
        c->need = -1;
        if (c->close_after) { conn_close(c); return; }
        if (q_head < q_tail) {
            conn_send(c, queue_idx[q_head], queue_due[q_head]);
            q_head++;
        }
    }
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double q) {
    if (!n_lat) return 0;
    long k = (long)(q * (n_lat - 1));
    return lat[k] * 1000;
}

int main(int argc, char **argv) {
    if (argc != 8) fail("usage: openloop HOST PORT RATE SECONDS REQUESTS_FILE MAX_CONN OUT_FILE");
    const char *host = argv[1];
    int port = atoi(argv[2]);
    double rate = atof(argv[3]), seconds = atof(argv[4]);
    max_conns = atoi(argv[6]);
    if (rate <= 0 || seconds <= 0 || seconds > MAX_SECONDS || max_conns < 1 || port < 1)
        fail("bad rate, duration, port or connection count");
    memset(&addr, 0, sizeof addr);
    if (!strcmp(host, "127.0.0.1")) {
        struct sockaddr_in *a = (struct sockaddr_in *)&addr;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        inet_pton(AF_INET, host, &a->sin_addr);
        addr_len = sizeof *a;
    } else if (!strcmp(host, "::1")) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addr;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        inet_pton(AF_INET6, host, &a->sin6_addr);
        addr_len = sizeof *a;
    } else {
        fail("load targets must be loopback addresses");
    }
    load_requests(argv[5]);
    long total = (long)(rate * seconds);
    if (total > MAX_REQUESTS) total = MAX_REQUESTS;
    conns = calloc(max_conns, sizeof *conns);
    queue_idx = malloc(total * sizeof *queue_idx);
    queue_due = malloc(total * sizeof *queue_due);
    lat = malloc(total * sizeof *lat);
    ep = epoll_create1(0);
    struct epoll_event events[256];
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = now();
    long i = 0;
    for (;;) {
        double t = now();
        while (i < total && t0 + i / rate <= t + TIMER_GRAIN) {
            double due = t0 + i / rate;
            if (t - due > LATE) late_starts++;
            queue_idx[q_tail] = i;
            queue_due[q_tail++] = due < t ? due : t;
            outstanding++;
            i++;
        }
        dispatch();
        if (i >= total && (outstanding == 0 || t > t0 + seconds + DRAIN_SECONDS)) break;
        int timeout = 100;
        if (i < total) {
            /* Rounded up, as Python's loop does: rounded down, a wait under 1 ms was a
             * zero timeout, and the loop spun until the next request was due. */
            double wait = t0 + i / rate - t - TIMER_GRAIN;
            timeout = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
        }
        int n = epoll_wait(ep, events, 256, timeout);
        for (int k = 0; k < n; k++) {
            conn_t *c = events[k].data.ptr;
            if (!c->in_use) continue;
            if (c->connecting) {
                int err = 0;
                socklen_t l = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
                if (err || (events[k].events & (EPOLLERR | EPOLLHUP))) {
                    conn_close(c);
                    if (q_head < q_tail) {   /* cannot connect: the request that asked fails */
                        q_head++;
                        errors++;
                        outstanding--;
                    }
                    continue;
                }
                c->connecting = 0;
                struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                if (q_head < q_tail) {
                    conn_send(c, queue_idx[q_head], queue_due[q_head]);
                    q_head++;
                }
                continue;
            }
            if (c->out_len && (events[k].events & EPOLLOUT)) flush_out(c);
            if (c->in_use && (events[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                on_readable(c);
            if (c->in_use && c->out_len) {   /* a write waits: wake when it can go */
                struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
            }
        }
    }
    double wall = now() - t0;
    getrusage(RUSAGE_SELF, &ru1);
    double cpu = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6
               + (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    long unanswered = outstanding;
    qsort(lat, n_lat, sizeof *lat, cmp);
    FILE *out = fopen(argv[7], "w");
    if (!out) fail("cannot write the result");
    fprintf(out,
            "{\"mode\": \"open\", \"client\": \"c\", \"rate\": %.3f, \"sent\": %ld, \"ok\": %ld, "
            "\"non_2xx\": %ld, \"errors\": %ld, \"unanswered\": %ld, \"late_starts\": %ld, "
            "\"achieved_rps\": %.3f, \"generator_cpu_s\": %.6f, \"n\": %ld, \"p50_ms\": %.4f, "
            "\"p90_ms\": %.4f, \"p95_ms\": %.4f, \"p99_ms\": %.4f, \"p999_ms\": %.4f, "
            "\"max_ms\": %.4f, \"mean_ms\": 0}\n",
            rate, i, ok, non_2xx, errors + unanswered, unanswered, late_starts,
            wall > 0 ? ok / wall : 0.0, cpu, n_lat, pct(0.5), pct(0.9), pct(0.95), pct(0.99),
            pct(0.999), n_lat ? lat[n_lat - 1] * 1000 : 0.0);
    fclose(out);
    return 0;
}
