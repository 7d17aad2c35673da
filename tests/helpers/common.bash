# common.bash: loaded by every bats file. bats-support and bats-assert come
# from Debian's packages; LIFEBOAT is the binary under test.
bats_require_minimum_version 1.5.0
bats_load_library bats-support 2>/dev/null || load /usr/lib/bats/bats-support/load.bash
bats_load_library bats-assert 2>/dev/null || load /usr/lib/bats/bats-assert/load.bash

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
LIFEBOAT=${LIFEBOAT:-$TOP/build/lifeboat}
export LC_ALL=C.UTF-8
