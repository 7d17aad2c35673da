/* fuzz_history: the history reader: a restore's JSON report, as a hand-off
 * reads it back from the rescued host, made into the history record and
 * its line of JSON (which must read back) and its summary for a
 * person. */
#include <stdio.h>

#include "fuzz.h"
#include "history.h"
#include "jread.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_history_report keep;
	struct lb_history h;
	struct lb_jval *rep;
	char why[256], line[512], *json = NULL;

	if (lb_jread_parse((const char *)data, size, &rep, why,
	    sizeof(why)) != 0)
		return 0;
	memset(&h, 0, sizeof(h));
	h.kind = "handoff";
	h.started = 1700000000;
	h.ended = 1700003600;
	h.rto = 7200;
	h.rpo = 86400;
	lb_history_from_report(&h, rep, &keep);
	if (lb_history_json(&h, &json) == 0) {
		struct lb_jval *back;

		/* what lifeboat writes, it must read back */
		if (lb_jread_parse(json, strlen(json), &back, why,
		    sizeof(why)) != 0) {
			fprintf(stderr, "history line not JSON: %s: %s\n",
			    why, json);
			abort();
		}
		lb_jread_free(back);
		free(json);
	}
	lb_history_summary(&h, line, sizeof(line));
	lb_jread_free(rep);
	return 0;
}
