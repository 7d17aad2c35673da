#!/usr/bin/env bats
# The layers of the source tree (scripts/check-layers): the engine
# (tools/lib) includes no header of the command line, and a store only
# its interface and the small utility headers. Checked on the tree itself,
# and on copies with a breach put in, which it must refuse.

setup() {
	load ../helpers/common
	COPY=$BATS_TEST_TMPDIR/tree
	mkdir -p "$COPY/scripts" "$COPY/tools"
	cp "$TOP/scripts/check-layers" "$COPY/scripts/"
	cp -r "$TOP/tools/lib" "$TOP/tools/lifeboat" "$COPY/tools/"
}

@test "the tree keeps its layers" {
	run -0 --separate-stderr "$TOP/scripts/check-layers"
	assert_equal "$stderr" ""
	# and so does the copy the other tests break
	run -0 --separate-stderr "$COPY/scripts/check-layers"
}

@test "an engine file that includes a CLI header is refused, named with its line" {
	sed -i '0,/^#include "/s//#include "common.h"\n#include "/' "$COPY/tools/lib/ssh.c"
	run -1 --separate-stderr "$COPY/scripts/check-layers"
	line=$(grep -n '^#include "common.h"' "$COPY/tools/lib/ssh.c" | cut -d: -f1)
	assert_equal "$stderr" "check-layers: tools/lib/ssh.c:$line: the engine includes the command line's 'common.h'"
	# a header counts too
	printf '#include "cli.h"\n' >> "$COPY/tools/lib/lb.h"
	run -1 --separate-stderr "$COPY/scripts/check-layers"
	[[ "$stderr" == *"tools/lib/lb.h:"*"the engine includes the command line's 'cli.h'"* ]]
}

@test "a store that includes a layer above it is refused" {
	sed -i 's/^#include "store.h"$/#include "store.h"\n#include "catalog.h"/' "$COPY/tools/lib/store_http.c"
	run -1 --separate-stderr "$COPY/scripts/check-layers"
	[[ "$stderr" == "check-layers: tools/lib/store_http.c:"*": a store includes 'catalog.h' (only store.h fetch.h "* ]]
}
