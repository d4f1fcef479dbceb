// SPDX-License-Identifier: GPL-2.0
/*
 * S3 for the fetch daemon (GET) and `bundlefs push` (HEAD, PUT): requests
 * signed with SigV4 by libcurl itself (CURLOPT_AWS_SIGV4), retried with
 * backoff on 5xx answers and timeouts.
 * Settings come from the usual AWS environment variables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dlfcn.h>
#include <unistd.h>
#include <sys/stat.h>
/* calls go through the table below, not curl's type-checking macros */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "fetch.h"

#define S3_DEFAULT_RETRIES	4
#define S3_ERRBODY_MAX		2048

/*
 * libcurl is loaded when an S3 source or push is first used, not linked:
 * it brings some thirty libraries, and every other command (run often,
 * by tests under a debug kernel too) would load them all at each start.
 */
static struct {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	char *(*easy_escape)(CURL *c, const char *s, int len);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	const char *(*easy_strerror)(CURLcode rc);
} cu;

#define CU_SYM(h, field, name) \
	(*(void **)&cu.field = dlsym(h, name))

int bfs_s3_init(struct bfs_error *err)
{
	void *h;

	if (cu.easy_init)
		return 0;
	h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return bfs_fail(err, BFS_ESYS, "s3: cannot load libcurl (install libcurl4): %s",
				dlerror());
	if (!CU_SYM(h, global_init, "curl_global_init") ||
	    !CU_SYM(h, easy_setopt, "curl_easy_setopt") ||
	    !CU_SYM(h, easy_perform, "curl_easy_perform") ||
	    !CU_SYM(h, easy_getinfo, "curl_easy_getinfo") ||
	    !CU_SYM(h, easy_cleanup, "curl_easy_cleanup") ||
	    !CU_SYM(h, easy_escape, "curl_easy_escape") ||
	    !CU_SYM(h, free, "curl_free") ||
	    !CU_SYM(h, slist_append, "curl_slist_append") ||
	    !CU_SYM(h, slist_free_all, "curl_slist_free_all") ||
	    !CU_SYM(h, easy_strerror, "curl_easy_strerror") ||
	    !CU_SYM(h, easy_init, "curl_easy_init"))
		return bfs_fail(err, BFS_ESYS, "s3: libcurl lacks %s", dlerror());
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cu.easy_init = NULL;
		return bfs_fail(err, BFS_ESYS, "s3: libcurl does not initialise");
	}
	return 0;
}

static const char *env_first(const char *a, const char *b)
{
	const char *v = getenv(a);

	if ((!v || !*v) && b)
		v = getenv(b);
	return v && *v ? v : NULL;
}

int bfs_s3_config_env(struct bfs_s3_config *c, struct bfs_error *err)
{
	c->region = env_first("AWS_REGION", "AWS_DEFAULT_REGION");
	if (!c->region)
		c->region = "us-east-1";
	c->endpoint = env_first("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
	c->key_id = env_first("AWS_ACCESS_KEY_ID", NULL);
	c->secret = env_first("AWS_SECRET_ACCESS_KEY", NULL);
	c->token = env_first("AWS_SESSION_TOKEN", NULL);
	c->retries = S3_DEFAULT_RETRIES;
	if (!c->key_id || !c->secret)
		return bfs_fail(err, BFS_EUSAGE,
				"s3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
	return 0;
}

/* The object's URL: path-style under an endpoint, else AWS' own host. */
static char *s3_url(CURL *c, const struct bfs_source *src, const char *key)
{
	char *url = NULL, *enc, *out;
	size_t cap, n;
	const char *p;

	/* escape each path segment, keep the slashes */
	cap = strlen(key) * 3 + 1;
	out = malloc(cap);
	if (!out)
		return NULL;
	n = 0;
	for (p = key; *p;) {
		size_t seg = strcspn(p, "/");

		enc = cu.easy_escape(c, p, (int)seg);
		if (!enc) {
			free(out);
			return NULL;
		}
		n += (size_t)snprintf(out + n, cap - n, "%s%s", enc,
				      p[seg] ? "/" : "");
		cu.free(enc);
		p += seg + (p[seg] ? 1 : 0);
	}
	if (src->s3.endpoint) {
		const char *e = src->s3.endpoint;
		size_t elen = strlen(e);

		while (elen && e[elen - 1] == '/')
			elen--;
		if (asprintf(&url, "%.*s/%s/%s", (int)elen, e, src->bucket,
			     out) < 0)
			url = NULL;
	} else if (asprintf(&url, "https://%s.s3.%s.amazonaws.com/%s",
			    src->bucket, src->s3.region, out) < 0) {
		url = NULL;
	}
	free(out);
	return url;
}

struct s3_body {
	CURL *c;
	FILE *f;
	char err[S3_ERRBODY_MAX];	/* an error answer's body */
	size_t errlen;
};

static size_t s3_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct s3_body *b = arg;
	size_t n = size * nmemb;
	long code = 0;

	cu.easy_getinfo(b->c, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 300) {
		size_t room = sizeof(b->err) - 1 - b->errlen;

		memcpy(b->err + b->errlen, data, n < room ? n : room);
		b->errlen += n < room ? n : room;
		b->err[b->errlen] = '\0';
		return n;
	}
	/* a PUT's answer has nothing we keep */
	return b->f ? fwrite(data, 1, n, b->f) : n;
}

/* <Code>X</Code> of an S3 error answer, or "" */
static void s3_error_code(const char *body, char *out, size_t outsz)
{
	const char *s = strstr(body, "<Code>"), *e;

	out[0] = '\0';
	if (!s)
		return;
	s += 6;
	e = strstr(s, "</Code>");
	if (e && (size_t)(e - s) < outsz)
		snprintf(out, outsz, "%.*s", (int)(e - s), s);
}

static void s3_backoff(int attempt)
{
	struct timespec ts;
	long ms = 200L << (attempt < 5 ? attempt : 5);

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* One S3 request: GET into @out, PUT from @in, or HEAD (both NULL). */
struct s3_req {
	const char *method;	/* "GET", "PUT" or "HEAD" */
	const char *key;
	FILE *out, *in;
	uint64_t in_size;
	long http;		/* the final answer's status */
};

/*
 * Perform @rq with retries (5xx, 429, connection failures, stalls).
 * 0 when the last answer was 2xx; else an errno with @err saying why,
 * except that a 404 is ENOENT with @err set for the caller to use or not.
 */
static int s3_perform(const struct bfs_source *src, struct s3_req *rq,
		      struct bfs_error *err)
{
	const struct bfs_s3_config *cfg = &src->s3;
	struct curl_slist *hdrs = NULL;
	struct s3_body body = { 0 };
	char sigv4[128], *userpwd = NULL, *url = NULL, *tok = NULL;
	char curlerr[CURL_ERROR_SIZE], code[64];
	int attempt, e = EIO;
	CURLcode rc = CURLE_OK;

	body.c = cu.easy_init();
	body.f = rq->out;
	if (!body.c) {
		bfs_fail(err, BFS_ESYS, "out of memory");
		return ENOMEM;
	}
	url = s3_url(body.c, src, rq->key);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", cfg->region);
	if (!url || asprintf(&userpwd, "%s:%s", cfg->key_id, cfg->secret) < 0 ||
	    (cfg->token && asprintf(&tok, "x-amz-security-token: %s",
				    cfg->token) < 0)) {
		userpwd = NULL;
		e = ENOMEM;
		bfs_fail(err, BFS_ESYS, "out of memory");
		goto out;
	}
	/* S3 wants the payload's hash; it is not signed (not read twice) */
	hdrs = cu.slist_append(hdrs, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	if (tok)
		hdrs = cu.slist_append(hdrs, tok);
	cu.easy_setopt(body.c, CURLOPT_URL, url);
	cu.easy_setopt(body.c, CURLOPT_AWS_SIGV4, sigv4);
	cu.easy_setopt(body.c, CURLOPT_USERPWD, userpwd);
	cu.easy_setopt(body.c, CURLOPT_HTTPHEADER, hdrs);
	cu.easy_setopt(body.c, CURLOPT_WRITEFUNCTION, s3_write);
	cu.easy_setopt(body.c, CURLOPT_WRITEDATA, &body);
	cu.easy_setopt(body.c, CURLOPT_ERRORBUFFER, curlerr);
	cu.easy_setopt(body.c, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(body.c, CURLOPT_CONNECTTIMEOUT, 10L);
	/* a stalled transfer is a timeout: under 1 byte/s for 30 s */
	cu.easy_setopt(body.c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	cu.easy_setopt(body.c, CURLOPT_LOW_SPEED_TIME, 30L);
	if (!strcmp(rq->method, "HEAD")) {
		cu.easy_setopt(body.c, CURLOPT_NOBODY, 1L);
	} else if (rq->in) {
		cu.easy_setopt(body.c, CURLOPT_UPLOAD, 1L);
		cu.easy_setopt(body.c, CURLOPT_READDATA, rq->in);
		cu.easy_setopt(body.c, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)rq->in_size);
	}

	for (attempt = 0;; attempt++) {
		bool retry;

		curlerr[0] = '\0';
		body.errlen = 0;
		body.err[0] = '\0';
		if (rq->out) {
			rewind(rq->out);
			if (ftruncate(fileno(rq->out), 0)) {
				e = errno;
				bfs_fail(err, BFS_ESYS, "truncating: %s",
					 strerror(e));
				goto out;
			}
		}
		if (rq->in)
			rewind(rq->in);
		rc = cu.easy_perform(body.c);
		rq->http = 0;
		cu.easy_getinfo(body.c, CURLINFO_RESPONSE_CODE, &rq->http);
		if (rc == CURLE_OK && rq->http >= 200 && rq->http < 300) {
			e = 0;
			goto out;
		}
		retry = rc == CURLE_OPERATION_TIMEDOUT ||
			rc == CURLE_COULDNT_CONNECT || rc == CURLE_RECV_ERROR ||
			rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE ||
			rc == CURLE_GOT_NOTHING ||
			(rc == CURLE_OK && (rq->http >= 500 || rq->http == 429));
		if (!retry || attempt >= cfg->retries)
			break;
		s3_backoff(attempt);
	}
	if (rc != CURLE_OK) {
		bfs_fail(err, BFS_ESYS, "s3 %s %s: %s", rq->method, url,
			 curlerr[0] ? curlerr : cu.easy_strerror(rc));
		e = EIO;
	} else {
		long http = rq->http;

		s3_error_code(body.err, code, sizeof(code));
		e = http == 404 ? ENOENT : http == 403 ? EACCES : EIO;
		bfs_fail(err, BFS_ESYS, "s3 %s %s: HTTP %ld%s%s%s", rq->method,
			 url, http, code[0] ? " " : "", code,
			 http == 404 ? " (not in the source)" :
			 http == 403 ? " (check the AWS credentials and region)" :
			 "");
	}
out:
	cu.easy_cleanup(body.c);
	cu.slist_free_all(hdrs);
	free(url);
	free(userpwd);
	free(tok);
	return e;
}

int bfs_s3_get(const struct bfs_source *src, const char *key,
	       const char *dest, struct bfs_error *err)
{
	struct s3_req rq = { .method = "GET", .key = key };
	int e;

	rq.out = fopen(dest, "wxe");
	if (!rq.out) {
		e = errno;
		bfs_fail(err, BFS_ESYS, "cannot create %s: %s", dest,
			 strerror(e));
		return e;
	}
	e = s3_perform(src, &rq, err);
	if ((fflush(rq.out) || ferror(rq.out)) && !e) {
		e = errno ? errno : EIO;
		bfs_fail(err, BFS_ESYS, "writing %s: %s", dest, strerror(e));
	}
	if (fclose(rq.out) && !e) {
		e = errno;
		bfs_fail(err, BFS_ESYS, "writing %s: %s", dest, strerror(e));
	}
	return e;
}

int bfs_s3_exists(const struct bfs_source *src, const char *key,
		  bool *exists, struct bfs_error *err)
{
	struct s3_req rq = { .method = "HEAD", .key = key };
	int e = s3_perform(src, &rq, err);

	*exists = !e;
	return e == ENOENT ? 0 : e;
}

int bfs_s3_put(const struct bfs_source *src, const char *key,
	       const char *path, struct bfs_error *err)
{
	struct s3_req rq = { .method = "PUT", .key = key };
	struct stat st;
	int e;

	rq.in = fopen(path, "rbe");
	if (!rq.in || fstat(fileno(rq.in), &st)) {
		e = errno;
		bfs_fail(err, BFS_ESYS, "%s: %s", path, strerror(e));
		if (rq.in)
			fclose(rq.in);
		return e;
	}
	rq.in_size = (uint64_t)st.st_size;
	e = s3_perform(src, &rq, err);
	fclose(rq.in);
	return e;
}
