/* test_http.c: which links of an HTML listing page name the directory's
 * files (lb_http_page_links). */
#include <stdlib.h>

#include "lbtest.h"
#include "store.h"

#define BASE "http://127.0.0.1:8080/files/links/"

/* The names the page links to, space-separated, in the page's order; the
 * page is copied to a buffer of its exact size, so that a read past its
 * end shows under AddressSanitizer. */
static const char *
links(const char *page)
{
	static char out[1024];
	struct lb_object *v = NULL;
	size_t n = 0, i, o = 0;
	char *body = strdup(page);

	out[0] = '\0';
	if (body == NULL || lb_http_page_links(BASE, body, &v, &n) != 0) {
		free(body);
		return "(failed)";
	}
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
		    i ? " " : "", v[i].name);
		if (o >= sizeof(out))
			o = sizeof(out) - 1;
	}
	lb_objects_free(v, n);
	free(body);
	return out;
}

LB_TEST(page_links_relative)
{
	CHECK_STR(links("<a href=\"a.tar.gz\">a</a> <a href='./b.tar'>b</a>"),
	    "a.tar.gz b.tar");
	CHECK_STR(links("<A HREF = c.tgz>c</A><a\nhref=d%20e.tar>"),
	    "c.tgz d e.tar");
	/* a query or a fragment does not name another file */
	CHECK_STR(links("<a href=\"f.tar?dl=1\"> <a href=\"f.tar#x\">"),
	    "f.tar");
}

LB_TEST(page_links_absolute_and_full)
{
	CHECK_STR(links("<a href=\"/files/links/a.tar\">"
	    "<a href=\"/files/%6cinks/b.tar\">"
	    "<a href=\"http://127.0.0.1:8080/files/links/c.tar?x\">"
	    "<a href=\"HTTP://127.0.0.1:8080/files/links/d.tar\">"
	    "<a href=\"//127.0.0.1:8080/files/links/e.tar\">"),
	    "a.tar b.tar c.tar d.tar e.tar");
}

LB_TEST(page_links_elsewhere_ignored)
{
	CHECK_STR(links("<a href=\"../\"> <a href=\"../p.tar\"> <a href=\"/\">"
	    "<a href=\"sub/\"> <a href=\"sub/q.tar\"> <a href=\"?C=N;O=D\">"
	    "<a href=\"#top\"> <a href=\"mailto:ops@example.org\">"
	    "<a href=\"/files/r.tar\"> <a href=\"/files/links\">"
	    "<a href=\"/files/links/%2e%2e%2fs.tar\">"
	    "<a href=\"http://localhost:8080/files/links/t.tar\">"
	    "<a href=\"https://127.0.0.1:8080/files/links/u.tar\">"
	    "<a href=\"http://127.0.0.1:80801/files/links/v.tar\">"
	    "<a href=\"//localhost:8080/files/links/w.tar\">"
	    "<a href=\"http://127.0.0.1:8080\"> <a data-href=\"x.tar\">"),
	    "");
}

LB_TEST(page_links_cut_short)
{
	/* pages that end inside an attribute */
	CHECK_STR(links("<a href"), "");
	CHECK_STR(links("<a href "), "");
	CHECK_STR(links("<a href="), "");
	CHECK_STR(links("<a href= "), "");
	CHECK_STR(links("<a href=\"a.tar"), "");
	CHECK_STR(links("<a href=a.tar"), "a.tar");
}
